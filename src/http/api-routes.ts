// JSON API: the state of every target and each target's change history.
import type { FastifyInstance } from 'fastify';
import { toProbeJson, type ProbeResultJson } from '../probe/probe-result.js';
import { flatFailureCounts } from '../state/failure-counts.js';
import type { TargetState } from '../state/types.js';
import { HttpError } from './errors.js';
import { DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT, MAX_TARGET_LENGTH } from './limits.js';
import type { HttpDeps } from './server.js';

/** The last result in its JSON form, without its transcript (that is what /probe?debug=true is for). */
export type ResultSummary = Omit<ProbeResultJson, 'transcript'>;

export interface TargetSummary {
  target: string;
  group: string;
  last_result: ResultSummary | null;
  baseline: TargetState['baseline'];
  known_extensions: TargetState['known_extensions'];
  change_counts: TargetState['change_counts'];
  last_change_at: number | null;
  failure_counts: Record<string, number>;
}

export function summarise(t: TargetState): TargetSummary {
  let last: ResultSummary | null = null;
  if (t.last_result !== null) {
    const { transcript: _transcript, ...rest } = t.last_result;
    last = toProbeJson(rest);
  }
  return {
    target: t.target,
    group: t.group,
    last_result: last,
    baseline: t.baseline,
    known_extensions: t.known_extensions,
    change_counts: t.change_counts,
    last_change_at: t.last_change_at,
    failure_counts: flatFailureCounts(t.failure_counts),
  };
}

export function registerApiRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get('/api/v1/targets', { schema: { querystring: { type: 'object', properties: {}, additionalProperties: false } } }, async () => ({
    targets: deps.targets().map(summarise),
  }));

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
