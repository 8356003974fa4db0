// Request limits of the HTTP surface, in one place.

/** No route takes a body; /-/reload reads and discards at most this much. */
export const BODY_LIMIT_BYTES = 1024;
/** Longest target accepted in a query or path (fastify's default param length of 100 is shorter than a host name). */
export const MAX_TARGET_LENGTH = 300;
/** A client has this long to send its whole request (slowloris); responses may take longer (/probe). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Scrapes of /metrics served at once unless HttpDeps says otherwise; more get 503. */
export const DEFAULT_MAX_CONCURRENT_SCRAPES = 4;
export const DEFAULT_CHANGES_LIMIT = 100;
export const MAX_CHANGES_LIMIT = 1000;
/** Scrapes of /metrics one client (remote address) is served at once. */
export const MAX_SCRAPES_PER_CLIENT = 1;
/** A /metrics or /api/v1/targets client that accepts no bytes for this long is dropped (write deadline). */
export const STALLED_CLIENT_MS = 5000;
/** /api/v1/targets pages served at once, and to one client. */
export const MAX_CONCURRENT_TARGET_PAGES = 8;
export const MAX_TARGET_PAGES_PER_CLIENT = 2;
/** /api/v1/targets page size: default and largest (about 1 KB of JSON per target). */
export const DEFAULT_TARGETS_LIMIT = 100;
export const MAX_TARGETS_LIMIT = 1000;
/** How long a built /api/v1/targets page is shared by every request that asks for it, and how many are kept. */
export const TARGET_PAGE_TTL_MS = 1000;
export const MAX_CACHED_TARGET_PAGES = 16;
/**
 * Status page rendering (milliseconds of the main thread): one client may spend 1 s at once and
 * 10% of a core over time, all clients together 2 s and 25%. The fleet page of 50,000 targets
 * costs 50–150 ms, so a person clicking through pages never waits.
 */
export const STATUS_RENDER_BUDGET = {
  client: { capacity: 1000, refillPerSecond: 100 },
  total: { capacity: 2000, refillPerSecond: 250 },
} as const;
