// The fastify app: built here, listened on by the caller (app.ts), tested with inject().
// It reads through the functions it is handed and never opens an SMTP session itself.
import type tls from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Exposition } from '../metrics/exporter-registry.js';
import type { OnDemandOutcome } from '../state/on-demand-outcome.js';
import type { ChangeEvent, TargetState } from '../state/types.js';
import { registerApiRoutes } from './api-routes.js';
import { registerDomainRoutes, type DomainDeps } from './domain-routes.js';
import { HttpError, sendError, validationMessage } from './errors.js';
import { BODY_LIMIT_BYTES, MAX_TARGET_LENGTH, REQUEST_TIMEOUT_MS } from './limits.js';
import { registerOpsRoutes } from './ops-routes.js';
import { registerProbeRoute } from './probe-route.js';
import { registerStatusRoutes, type StatusReaders } from './status-routes.js';
import type { WebConfig } from './web-config.js';
import { registerBasicAuth } from './web-config-auth.js';
import { LiveWebConfig } from './web-config-live.js';
import { guardClientCertificates, httpsServerOptions } from './web-config-tls.js';
import type { BudgetLimits } from './render-budget.js';

export interface HttpDeps {
  /** /metrics: the exposition, as chunks. */
  registry: Exposition;
  /** A pino-compatible logger instance, or fastify's `logger` option (true/false/options). */
  logger: FastifyBaseLogger | boolean | object;
  /**
   * Decides whether the target may be probed (config, allow list, rate limits) and probes it, within
   * `maxSeconds` when given (the scrape's timeout less an offset) or else the configured timeout.
   */
  probeOnDemand(target: string, maxSeconds?: number): Promise<OnDemandOutcome>;
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  isReady(): boolean;
  targets(): readonly TargetState[];
  changes(target: string, limit: number): ChangeEvent[];
  /** What the status pages (/, /matrix, /targets/…, /changes) read besides targets and changes. */
  status: StatusReaders;
  /** Watched domains and their change histories; absent: none. */
  domains?: DomainDeps;
  /** Scrapes of /metrics served at once; more get 503 (default 4). */
  maxConcurrentScrapes?: number;
  /**
   * TLS, basic auth and response headers from --web.config.file; absent: plain HTTP, no auth. A
   * LiveWebConfig applies the file's later changes; a WebConfig is fixed.
   */
  web?: WebConfig | LiveWebConfig;
  /** How long a /metrics or /api/v1/targets client may accept no bytes before it is dropped (default STALLED_CLIENT_MS). */
  stalledClientMs?: number;
  /** Unix milliseconds; ages the shared /api/v1/targets pages (default Date.now). */
  now?: () => number;
  /** The status pages' rendering budget (default STATUS_RENDER_BUDGET). */
  statusRenderBudget?: BudgetLimits;
  /** How long a client may take to send a whole request (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

function isLoggerInstance(logger: unknown): logger is FastifyBaseLogger {
  const l = logger as Partial<FastifyBaseLogger> | null;
  return typeof l === 'object' && l !== null && typeof l.child === 'function' && typeof l.info === 'function';
}

export function buildServer(deps: HttpDeps): FastifyInstance {
  const web = deps.web === undefined || deps.web instanceof LiveWebConfig ? deps.web : new LiveWebConfig(deps.web);
  // Whether TLS is on is fixed for the server's life; its certificate is not (LiveWebConfig).
  const tls = web?.config.tls ?? null;
  // Node looks for requests past their timeout only this often (30 s by default).
  const serverOptions = { connectionsCheckingInterval: 1000 };
  const common = {
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_TARGET_LENGTH * 3 }, // percent-encoded
    requestTimeout: deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    ...(tls === null ? { http: serverOptions } : { https: { ...serverOptions, ...httpsServerOptions(tls) } }),
    // Scrapes every few seconds would flood the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown query parameters are errors, not silently dropped (fastify's default removes them).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  } as const;
  const app: FastifyInstance = isLoggerInstance(deps.logger)
    ? (Fastify({ ...common, loggerInstance: deps.logger }) as unknown as FastifyInstance)
    : (Fastify({ ...common, logger: deps.logger as boolean | object }) as unknown as FastifyInstance);
  if (tls !== null) {
    guardClientCertificates(app.server as unknown as tls.Server, tls);
    web!.attachTls(app.server as unknown as tls.Server);
  }
  if (web !== undefined) {
    registerBasicAuth(app, () => web.auth);
    app.addHook('onSend', async (_request, reply) => void reply.headers(web.config.headers));
  }

  // Bodies are never used: accept any content type (so `curl -d '' -X POST /-/reload` works) and
  // drop it, within bodyLimit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) return sendError(request, reply, error);
    if (error.validation) {
      const schema = request.routeOptions.schema as { querystring?: { properties?: object }; params?: { properties?: object } } | undefined;
      const context = error.validationContext ?? 'querystring';
      const props = context === 'params' ? schema?.params?.properties : schema?.querystring?.properties;
      return sendError(request, reply, new HttpError('ERR_BAD_REQUEST', validationMessage(error.validation, context, Object.keys(props ?? {}))));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(request, reply, new HttpError('ERR_BODY_TOO_LARGE', `request body larger than ${BODY_LIMIT_BYTES} bytes`));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(request, reply, new HttpError('ERR_BAD_REQUEST', error.message));
    }
    request.log.error({ err: error, url: request.url }, 'request failed');
    return sendError(request, reply, new HttpError('ERR_INTERNAL', 'internal error; see the exporter log'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new HttpError('ERR_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  registerOpsRoutes(app, deps);
  registerProbeRoute(app, deps);
  registerApiRoutes(app, deps);
  registerStatusRoutes(app, deps);
  if (deps.domains !== undefined) registerDomainRoutes(app, deps.domains);
  return app;
}
