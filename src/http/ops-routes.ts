// The operational endpoints: /metrics, health, readiness, reload (the pages at / are status-routes.ts).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip } from './content-encoding.js';
import { HttpError } from './errors.js';
import { paced } from './paced-body.js';
import { DEFAULT_MAX_CONCURRENT_SCRAPES, MAX_SCRAPES_PER_CLIENT, STALLED_CLIENT_MS } from './limits.js';
import { ResponseSlots } from './response-slots.js';
import type { HttpDeps } from './server.js';

function encodingOf(request: FastifyRequest): 'gzip' | 'identity' {
  return acceptsGzip(request.headers['accept-encoding']) ? 'gzip' : 'identity';
}

export function registerOpsRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const scrapes = new ResponseSlots(
    {
      max: deps.maxConcurrentScrapes ?? DEFAULT_MAX_CONCURRENT_SCRAPES,
      perClient: MAX_SCRAPES_PER_CLIENT,
      stallMs: deps.stalledClientMs ?? STALLED_CLIENT_MS,
    },
    'ERR_TOO_MANY_SCRAPES',
    'scrapes',
  );

  // fastify answers HEAD by running the GET handler and dropping the body: every HEAD /metrics
  // would cost a whole scrape (seconds of CPU at 50,000 targets) for nothing shown. HEAD answers
  // the headers a GET would carry, from the request alone.
  app.head('/metrics', async (request, reply) => {
    scrapeHeaders(reply, encodingOf(request));
    return reply.send();
  });

  app.get('/metrics', { exposeHeadRoute: false }, async (request, reply) => {
    // A scrape of a large fleet costs CPU time and holds the fragments it started with: a pile of
    // concurrent scrapes (or a stranger holding slow connections on /metrics) must not take the
    // exporter down with it. A slot is held until the response is closed. The body is made as the
    // client takes it, so a scrape holds a few chunks, not the whole exposition.
    scrapes.acquire(request, reply);
    const encoding = encodingOf(request);
    const body = Readable.from(paced(await deps.registry.metricsBody(encoding)));
    scrapeHeaders(reply, encoding);
    return reply.send(body);
  });

  /** Set once the body is made: an error answered instead must not claim to be gzip. */
  function scrapeHeaders(reply: FastifyReply, encoding: 'gzip' | 'identity'): void {
    reply.type(deps.registry.contentType).header('vary', 'accept-encoding');
    if (encoding === 'gzip') reply.header('content-encoding', 'gzip');
  }

  app.get('/-/healthy', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Healthy\n'));

  app.get('/-/ready', async (_request, reply) => {
    if (!deps.isReady()) throw new HttpError('ERR_NOT_READY', 'Not ready');
    return reply.type('text/plain; charset=utf-8').send('Ready\n');
  });

  app.post('/-/reload', async (_request, reply) => {
    const outcome = await deps.reload();
    // A failure was logged once where it happened (the reload itself, shared by SIGHUP): not again here.
    if (!outcome.ok) {
      throw new HttpError('ERR_RELOAD_FAILED', `reload failed, the previous configuration keeps running: ${outcome.error}`);
    }
    return reply.type('text/plain; charset=utf-8').send('Configuration reloaded\n');
  });
  app.get('/-/reload', async (_request, reply) => {
    reply.header('allow', 'POST');
    throw new HttpError('ERR_METHOD_NOT_ALLOWED', 'a reload is a POST: curl -X POST /-/reload');
  });
}
