// The operational endpoints: /metrics, health, readiness, reload (the pages at / are status-routes.ts).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { expositionChunks } from '../metrics/exposition.js';
import { HttpError } from './errors.js';
import { DEFAULT_MAX_CONCURRENT_SCRAPES } from './limits.js';
import type { HttpDeps } from './server.js';

export function registerOpsRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const maxScrapes = deps.maxConcurrentScrapes ?? DEFAULT_MAX_CONCURRENT_SCRAPES;
  let scrapes = 0;

  app.get('/metrics', async (_request, reply) => {
    // A scrape of a large fleet costs tens of MB and CPU time: a pile of concurrent scrapes (or a
    // stranger holding slow connections on /metrics) must not take the exporter down with it. A
    // slot is held until the response is closed (sent, or the client went away), since the body
    // stays in memory while it streams.
    if (scrapes >= maxScrapes) throw new HttpError('ERR_TOO_MANY_SCRAPES', `too many concurrent scrapes (limit ${maxScrapes}); retry later`);
    scrapes++;
    let held = true;
    const release = () => {
      if (held) scrapes--;
      held = false;
    };
    reply.raw.once('close', release);
    try {
      const chunks = await expositionChunks(deps.registry);
      reply.type(deps.registry.contentType);
      return chunks.length === 1 ? reply.send(chunks[0]) : reply.send(Readable.from(chunks));
    } catch (err) {
      release();
      throw err;
    }
  });

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
}
