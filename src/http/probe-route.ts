// GET /probe?target=…[&debug=true]: an on-demand probe, blackbox-style, rendered fresh from its one result.
// Whether the target may be probed (config, allow list, rate limits) is decided by the
// probeOnDemand function the server is handed; this route maps its answer to HTTP.
import type { FastifyInstance } from 'fastify';
import { PROBE_CONTENT_TYPE, probeExposition } from '../metrics/probe-exposition.js';
import { HttpError, type HttpErrorCode } from './errors.js';
import { probeLog } from './probe-log.js';
import { probeBudgetSeconds, SCRAPE_TIMEOUT_HEADER } from './scrape-timeout.js';
import { MAX_TARGET_LENGTH } from './limits.js';
import type { HttpDeps } from './server.js';

interface ProbeQuery {
  target: string;
  debug?: boolean;
  module?: string;
}

const probeQuerySchema = {
  type: 'object',
  required: ['target'],
  // `module` is accepted and ignored: Prometheus configs written for blackbox often send it.
  properties: {
    target: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH, pattern: '^[^\\s\\x00-\\x1f\\x7f]+$' },
    debug: { type: 'boolean' },
    module: { type: 'string', maxLength: 64 },
  },
  additionalProperties: false,
} as const;

const REFUSALS: Record<'forbidden' | 'rate_limited' | 'invalid', HttpErrorCode> = {
  forbidden: 'ERR_TARGET_FORBIDDEN',
  rate_limited: 'ERR_RATE_LIMITED',
  invalid: 'ERR_TARGET_INVALID',
};

export function registerProbeRoute(app: FastifyInstance, deps: HttpDeps): void {
  // fastify would answer HEAD by running the GET handler and dropping the body: a whole SMTP
  // session for a request that cannot show its result, and a second one when a client then GETs.
  app.head('/probe', async (_request, reply) => {
    reply.header('allow', 'GET');
    throw new HttpError('ERR_METHOD_NOT_ALLOWED', 'HEAD would run a probe it cannot show; use GET /probe?target=…');
  });
  app.get<{ Querystring: ProbeQuery }>('/probe', { schema: { querystring: probeQuerySchema }, exposeHeadRoute: false }, async (request, reply) => {
    const { target, debug } = request.query;
    const budget = probeBudgetSeconds(request.headers[SCRAPE_TIMEOUT_HEADER]);
    if (typeof budget === 'object') throw new HttpError('ERR_BAD_REQUEST', budget.error);
    let outcome;
    try {
      outcome = await deps.probeOnDemand(target, budget);
    } catch (err) {
      // probeOnDemand should never throw for a target's failure (that is a ProbeResult); this is a bug.
      request.log.error({ err, target }, 'on-demand probe threw');
      throw new HttpError('ERR_PROBE_FAILED', 'the probe could not be run; see the exporter log');
    }
    if (outcome.status !== 'ok') {
      if (outcome.status === 'rate_limited' && outcome.retryAfterSeconds !== null) reply.header('retry-after', String(outcome.retryAfterSeconds));
      throw new HttpError(REFUSALS[outcome.status], outcome.message);
    }
    const metrics = probeExposition(outcome.result, outcome.group, outcome.expectations);
    if (debug === true) return reply.type('text/plain; charset=utf-8').send(probeLog(outcome.result, outcome.group, metrics));
    return reply.type(PROBE_CONTENT_TYPE).send(metrics);
  });
}
