// The HTTP surface through inject(): status codes, stable error codes, content types, limits.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import type { Exposition } from '../../src/metrics/exporter-registry.js';
import { BODY_LIMIT_BYTES, MAX_CHANGES_LIMIT } from '../../src/http/limits.js';
import { hostile, legacy, mx1, mx2, state } from '../fixtures/metrics/states.js';
import { parseExposition, find } from '../metrics/parse-exposition.js';
import { fakeDeps, type FakeDeps } from './fake-deps.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(deps: FakeDeps = fakeDeps()): { app: FastifyInstance; deps: FakeDeps } {
  app = buildServer(deps);
  return { app, deps };
}

/** A registry whose scrape waits until released, to hold a scrape in flight. */
class GatedRegistry implements Exposition {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  entered!: Promise<void>;
  private enter!: () => void;
  release!: () => void;
  private gate!: Promise<void>;
  constructor() {
    this.arm();
  }
  arm() {
    this.entered = new Promise((r) => (this.enter = r));
    this.gate = new Promise((r) => (this.release = r));
  }
  async metricsBody(): Promise<Buffer[]> {
    this.enter();
    await this.gate;
    return [Buffer.from('# HELP x X.\n# TYPE x gauge\nx 1\n')];
  }
}

function withTimeout<T>(p: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}

describe('/metrics', () => {
  it('serves the registry with its content type', async () => {
    const { app } = start();
    const r = await app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(find(parseExposition(r.body), 'smtp_probe_success', { target: mx1.target })[0]?.value).toBe(1);
  });

  it('answers 503 beyond the concurrent scrape limit and recovers', async () => {
    const registry = new GatedRegistry();
    const { app } = start(fakeDeps({ registry, maxConcurrentScrapes: 1 }));
    const first = app.inject('/metrics');
    await withTimeout(registry.entered);
    const second = await withTimeout(app.inject('/metrics'));
    expect(second.statusCode).toBe(503);
    expect(second.headers['x-error-code']).toBe('ERR_TOO_MANY_SCRAPES');
    registry.release();
    expect((await withTimeout(first)).statusCode).toBe(200);
    registry.arm();
    registry.release();
    expect((await withTimeout(app.inject('/metrics'))).statusCode).toBe(200);
  });

  it('frees the scrape slot when the registry fails', async () => {
    const registry: Exposition = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metricsBody: async () => {
        throw new Error('boom');
      },
    };
    const { app } = start(fakeDeps({ registry, maxConcurrentScrapes: 1 }));
    for (let i = 0; i < 3; i++) {
      const r = await app.inject('/metrics');
      expect(r.statusCode).toBe(500);
      expect(r.headers['x-error-code']).toBe('ERR_INTERNAL');
      expect(r.body).not.toContain('boom');
    }
  });
});

describe('health, readiness, reload', () => {
  it('is healthy, and ready only when the dependency says so', async () => {
    const { app, deps } = start();
    expect((await app.inject('/-/healthy')).statusCode).toBe(200);
    expect((await app.inject('/-/ready')).statusCode).toBe(200);
    deps.ready = false;
    const r = await app.inject('/-/ready');
    expect(r.statusCode).toBe(503);
    expect(r.headers['x-error-code']).toBe('ERR_NOT_READY');
  });

  it('reloads, and reports a failed reload with its error text', async () => {
    const { app, deps } = start();
    expect((await app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    deps.reloadOutcome = { ok: false, error: 'config.yml:3: groups[0].schedule: invalid cron expression "* *"' };
    const r = await app.inject({ method: 'POST', url: '/-/reload' });
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-error-code']).toBe('ERR_RELOAD_FAILED');
    expect(r.body).toContain('config.yml:3: groups[0].schedule: invalid cron expression "* *"');
    expect(deps.calls.reloads).toBe(2);
  });

  it('accepts a reload with any small body and content type, and refuses a large body before reloading', async () => {
    const { app, deps } = start();
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'application/json' }, {}]) {
      expect((await app.inject({ method: 'POST', url: '/-/reload', headers, payload: '{"x":1}' })).statusCode).toBe(200);
    }
    const big = await app.inject({ method: 'POST', url: '/-/reload', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(BODY_LIMIT_BYTES + 1) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['x-error-code']).toBe('ERR_BODY_TOO_LARGE');
    expect(deps.calls.reloads).toBe(3);
  });

  it('does not reload on GET', async () => {
    const { app, deps } = start();
    const r = await app.inject('/-/reload');
    expect(r.statusCode).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect(deps.calls.reloads).toBe(0);
  });
});

describe('unknown routes', () => {
  it('answer 404 with a code, as JSON under /api', async () => {
    const { app } = start();
    const r = await app.inject('/nope');
    expect(r.statusCode).toBe(404);
    expect(r.headers['x-error-code']).toBe('ERR_NOT_FOUND');
    const api = await app.inject('/api/v2/nothing');
    expect(api.json()).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'no route for GET /api/v2/nothing' } });
  });
});

describe('/api/v1/targets', () => {
  it('lists every target with its last result (without transcript), baseline and counts', async () => {
    const { app } = start();
    const r = await app.inject('/api/v1/targets');
    expect(r.statusCode).toBe(200);
    const body = r.json() as { targets: Record<string, unknown>[] };
    expect(body.targets.map((t) => t.target)).toEqual([mx1.target, mx2.target, legacy.target, hostile.target, 'fresh.example.test:25']);
    const one = body.targets[1]!;
    expect(one.group).toBe('mx');
    expect((one.last_result as Record<string, unknown>).success).toBe(false);
    expect(one.last_result).not.toHaveProperty('transcript');
    expect(one.baseline).toEqual(JSON.parse(JSON.stringify(mx2.baseline)));
    // The /api JSON keeps its flat "stage/reason" keys.
    expect(one.failure_counts).toEqual({ 'connect/refused': 1, 'greeting/service_unavailable': 2 });
    expect(body.targets[0]!.change_counts).toEqual(mx1.change_counts);
    expect(body.targets[4]!.last_result).toBeNull();
    expect(r.body).not.toContain('connected to 192.0.2.10:25');
  });

  it('rejects unknown query parameters', async () => {
    const { app } = start();
    const r = await app.inject('/api/v1/targets?page=2');
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { code: 'ERR_BAD_REQUEST', message: 'unknown query parameter "page" (allowed: group, limit, cursor)' } });
  });
});

describe('/api/v1/targets/:target/changes', () => {
  it('returns the change history of a configured target, default and explicit limits', async () => {
    const { app, deps } = start();
    let r = await app.inject(`/api/v1/targets/${encodeURIComponent(mx1.target)}/changes`);
    expect(r.statusCode).toBe(200);
    let body = r.json() as { target: string; limit: number; changes: unknown[] };
    expect(body.target).toBe(mx1.target);
    expect(body.changes).toHaveLength(100);
    r = await app.inject(`/api/v1/targets/${encodeURIComponent(mx1.target)}/changes?limit=${MAX_CHANGES_LIMIT}`);
    body = r.json();
    expect(body.changes).toHaveLength(MAX_CHANGES_LIMIT);
    expect(deps.calls.changes).toEqual([
      [mx1.target, 100],
      [mx1.target, MAX_CHANGES_LIMIT],
    ]);
  });

  it('finds targets whose names need encoding', async () => {
    const v6 = state({ target: '[2001:db8::25]:25/a b', group: 'mx' });
    const deps = fakeDeps();
    deps.states = [v6];
    const { app } = start(deps);
    const r = await app.inject(`/api/v1/targets/${encodeURIComponent(v6.target)}/changes?limit=1`);
    expect(r.statusCode).toBe(200);
    expect((r.json() as { changes: { target: string }[] }).changes[0]!.target).toBe(v6.target);
  });

  it('answers 404 for an unknown target without asking the store', async () => {
    const { app, deps } = start();
    const r = await app.inject('/api/v1/targets/nobody.example.test%3A25/changes');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'ERR_TARGET_UNKNOWN', message: 'no configured target named "nobody.example.test:25"' } });
    expect(deps.calls.changes).toEqual([]);
  });

  it.each([
    ['0', 'query parameter "limit" must be >= 1'],
    [String(MAX_CHANGES_LIMIT + 1), `query parameter "limit" must be <= ${MAX_CHANGES_LIMIT}`],
    ['abc', 'query parameter "limit" must be an integer'],
    ['1.5', 'query parameter "limit" must be an integer'],
  ])('bounds limit=%s', async (limit, message) => {
    const { app } = start();
    const r = await app.inject(`/api/v1/targets/${encodeURIComponent(mx1.target)}/changes?limit=${limit}`);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: { code: 'ERR_BAD_REQUEST', message } });
  });
});

/** `n` targets like mx1: enough series for an exposition of many chunks. */
function fleet(n: number) {
  return Array.from({ length: n }, (_, i) => ({ ...mx1, target: `mx${i}.example.test:25` }));
}

describe('a real listener', () => {
  it('streams a large exposition whole, byte for byte what the registry renders', async () => {
    const deps = fakeDeps();
    deps.states = fleet(500);
    const { app } = start(deps);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const r = await fetch(`${address}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await r.text();
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body).toBe(Buffer.concat([...(await deps.registry.metricsBody())]).toString('utf8'));
  });

  it('frees the scrape slot when a client goes away in the middle of a large body', async () => {
    const deps = fakeDeps({ maxConcurrentScrapes: 1 });
    deps.states = fleet(3000);
    const { app } = start(deps);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    // Read the headers and one chunk, then drop the connection with most of the body unsent.
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/metrics' }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
      }),
    );
    // The slot comes back once the server sees the close; poll for it, bounded.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await app.inject('/-/healthy')).statusCode === 200 ? (await app.inject('/metrics')).statusCode : 0;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  it('serves /metrics and /-/healthy over a socket on 127.0.0.1:0', async () => {
    const { app } = start();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const healthy = await fetch(`${address}/-/healthy`, { signal: AbortSignal.timeout(5_000) });
    expect(healthy.status).toBe(200);
    const metrics = await fetch(`${address}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('smtp_exporter_build_info');
  });
});
