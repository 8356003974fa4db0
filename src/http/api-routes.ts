// JSON API: the state of every target (in pages, see target-pages.ts) and each target's change history.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import {
  DEFAULT_CHANGES_LIMIT,
  DEFAULT_TARGETS_LIMIT,
  MAX_CACHED_TARGET_PAGES,
  MAX_CHANGES_LIMIT,
  MAX_CONCURRENT_TARGET_PAGES,
  MAX_TARGET_LENGTH,
  MAX_TARGET_PAGES_PER_CLIENT,
  MAX_TARGETS_LIMIT,
  STALLED_CLIENT_MS,
  TARGET_PAGE_TTL_MS,
} from './limits.js';
import { ResponseSlots } from './response-slots.js';
import { buildPage, TargetPageCache } from './target-pages.js';
import type { HttpDeps } from './server.js';

export function registerApiRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const pages = new TargetPageCache(TARGET_PAGE_TTL_MS, MAX_CACHED_TARGET_PAGES, deps.now ?? Date.now);
  const slots = new ResponseSlots(
    { max: MAX_CONCURRENT_TARGET_PAGES, perClient: MAX_TARGET_PAGES_PER_CLIENT, stallMs: deps.stalledClientMs ?? STALLED_CLIENT_MS },
    'ERR_TOO_MANY_REQUESTS',
    '/api/v1/targets requests',
  );
  app.get<{ Querystring: { group?: string; limit?: number; cursor?: string } }>(
    '/api/v1/targets',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            group: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH },
            limit: { type: 'integer', minimum: 1, maximum: MAX_TARGETS_LIMIT },
            cursor: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH * 2 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      slots.acquire(request, reply);
      const query = { group: request.query.group ?? null, limit: request.query.limit ?? DEFAULT_TARGETS_LIMIT, cursor: request.query.cursor ?? null };
      const body = pages.get(query, () => buildPage(deps.targets(), query));
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Params: { target: string }; Querystring: { limit?: number } }>(
    '/api/v1/targets/:target/changes',
    {
      schema: {
        params: {
          type: 'object',
          required: ['target'],
          properties: { target: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH } },
        },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_CHANGES_LIMIT } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { target } = request.params;
      if (!deps.targets().some((t) => t.target === target)) {
        throw new HttpError('ERR_TARGET_UNKNOWN', `no configured target named "${target}"`);
      }
      const limit = request.query.limit ?? DEFAULT_CHANGES_LIMIT;
      return { target, limit, changes: deps.changes(target, limit).slice(0, limit) };
    },
  );
}
