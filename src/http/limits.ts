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
