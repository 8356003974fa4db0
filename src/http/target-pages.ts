// /api/v1/targets in pages: `?group=` filters, `?limit=` sizes a page, `?cursor=` continues after
// the previous page. A built page is kept for TARGET_PAGE_TTL_MS and shared by every request that
// asks for the same one, so 200 concurrent requests cost one build and one buffer, not 200.
import type { TargetState } from '../state/types.js';
import { HttpError } from './errors.js';
import { summarise } from './target-summary.js';

export interface PageQuery {
  group: string | null;
  limit: number;
  cursor: string | null;
}

/** The cursor names the last target of the previous page; base64url so any name survives a query string. */
export function encodeCursor(target: string): string {
  return Buffer.from(target, 'utf8').toString('base64url');
}

function startAfter(targets: readonly TargetState[], cursor: string): number {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  const i = targets.findIndex((t) => t.target === name);
  if (i < 0) throw new HttpError('ERR_BAD_REQUEST', 'cursor does not name a configured target (was it removed by a reload?); start again without one');
  return i + 1;
}

/** One page as JSON bytes: `{ "targets": [...], "next_cursor": string | null }`. */
export function buildPage(all: readonly TargetState[], query: PageQuery): Buffer {
  const inGroup = query.group === null ? all : all.filter((t) => t.group === query.group);
  const from = query.cursor === null ? 0 : startAfter(inGroup, query.cursor);
  const page = inGroup.slice(from, from + query.limit);
  const last = page.at(-1);
  const more = from + page.length < inGroup.length && last !== undefined;
  return Buffer.from(JSON.stringify({ targets: page.map(summarise), next_cursor: more ? encodeCursor(last.target) : null }));
}

/** Built pages by query, each shared until it is ttlMs old; at most maxEntries are kept. */
export class TargetPageCache {
  private readonly pages = new Map<string, { body: Buffer; builtAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(query: PageQuery, build: () => Buffer): Buffer {
    const key = JSON.stringify([query.group, query.limit, query.cursor]);
    const now = this.now();
    const hit = this.pages.get(key);
    if (hit !== undefined && now - hit.builtAt < this.ttlMs) return hit.body;
    for (const [k, v] of this.pages) if (now - v.builtAt >= this.ttlMs) this.pages.delete(k);
    // Oldest first (insertion order): the bound on memory is maxEntries pages of at most MAX_TARGETS_LIMIT targets.
    while (this.pages.size >= this.maxEntries) this.pages.delete(this.pages.keys().next().value!);
    const body = build();
    this.pages.set(key, { body, builtAt: now });
    return body;
  }
}
