// The HTTP surface under abuse, over real sockets: clients that never read, one client taking
// every slot, a crowd asking for /api/v1/targets, a loop on a status page, HEAD /probe and
// /metrics. Each case fails without its fix.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import type { Exposition } from '../../src/metrics/exporter-registry.js';
import { emptyState } from '../../src/state/state-codec.js';
import type { TargetState } from '../../src/state/types.js';
import { fakeDeps, type FakeDeps } from './fake-deps.js';

let app: FastifyInstance | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  app = undefined;
});

/** A registry whose exposition is `bytes` long: big enough that a client that never reads fills every buffer. */
function bigRegistry(bytes: number): Exposition {
  const line = `x{pad="${'p'.repeat(100)}"} 1\n`;
  const body = Buffer.from('# HELP x X.\n# TYPE x gauge\n' + line.repeat(Math.ceil(bytes / line.length)));
  return { contentType: 'text/plain; version=0.0.4; charset=utf-8', metricsBody: async () => [body] };
}

async function listen(deps: FakeDeps): Promise<number> {
  app = buildServer(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Sends a request from `localAddress` and never reads the answer (a paused socket with a tiny receive window). */
async function nonReader(port: number, path: string, localAddress: string): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
  return socket;
}

/** One whole request from `localAddress`: status, headers and body, bounded by `ms`. */
async function get(port: number, path: string, localAddress = '127.0.0.1', method = 'GET', ms = 10_000): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${method} ${path} took longer than ${ms} ms`)), ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(head[0]!.split(' ')[1]), body: raw.subarray(end + 4), headers });
    });
    socket.write(`${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('/metrics slots', () => {
  it('one client cannot take several scrape slots: others still scrape', async () => {
    const port = await listen(fakeDeps({ registry: bigRegistry(30 * 1024 * 1024), maxConcurrentScrapes: 4, stalledClientMs: 60_000 }));
    for (let i = 0; i < 4; i++) await nonReader(port, '/metrics', '127.0.0.9');
    await sleep(300);
    const again = await get(port, '/metrics', '127.0.0.9');
    expect(again.status).toBe(503);
    expect(again.headers['x-error-code']).toBe('ERR_TOO_MANY_SCRAPES');
    expect(again.body.toString()).toContain('per client');
    const real = await get(port, '/metrics', '127.0.0.1');
    expect(real.status).toBe(200);
  });

  it('a client that stops reading loses its slot after the write deadline', async () => {
    const port = await listen(fakeDeps({ registry: bigRegistry(30 * 1024 * 1024), maxConcurrentScrapes: 4, stalledClientMs: 3000 }));
    for (let i = 0; i < 4; i++) await nonReader(port, '/metrics', `127.0.0.${10 + i}`);
    // Every loop bounded: first the four hold every slot, then the write deadline frees them.
    const until = async (want: number, ms: number): Promise<number> => {
      let status = 0;
      const end = Date.now() + ms;
      while (status !== want && Date.now() < end) {
        status = (await get(port, '/metrics')).status;
        if (status !== want) await sleep(100);
      }
      return status;
    };
    expect(await until(503, 2500)).toBe(503);
    expect(await until(200, 10_000)).toBe(200);
  });
});

describe('/api/v1/targets under a crowd', () => {
  const many: TargetState[] = Array.from({ length: 5000 }, (_, i) => emptyState(`mx${i}.example.test:25`, i % 2 === 0 ? 'even' : 'odd'));

  it('builds one page for many concurrent requests, and bounds how many are served at once', async () => {
    const deps = fakeDeps();
    deps.states = many;
    let builds = 0;
    deps.targets = () => {
      builds++;
      return deps.states;
    };
    const port = await listen(deps);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => get(port, '/api/v1/targets?limit=1000', `127.0.1.${i + 1}`)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    for (const a of answers.filter((a) => a.status !== 200)) expect(a.headers['x-error-code']).toBe('ERR_TOO_MANY_REQUESTS');
    expect(builds).toBeLessThanOrEqual(2);
    expect((JSON.parse(ok[0]!.body.toString()) as { targets: unknown[] }).targets).toHaveLength(1000);
  });

  it('pages through a group with a cursor, every target once', async () => {
    const deps = fakeDeps();
    deps.states = many;
    const port = await listen(deps);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r = await get(port, `/api/v1/targets?group=odd&limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body.toString()) as { targets: { target: string; group: string }[]; next_cursor: string | null };
      expect(body.targets.every((t) => t.group === 'odd')).toBe(true);
      seen.push(...body.targets.map((t) => t.target));
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(many.filter((t) => t.group === 'odd').map((t) => t.target));
    const stale = await get(port, `/api/v1/targets?cursor=${Buffer.from('gone.example').toString('base64url')}`);
    expect(stale.status).toBe(400);
  });
});

describe('status pages', () => {
  it('a client reloading a page in a loop gets 429 with Retry-After; another client is still served', async () => {
    const deps = fakeDeps({ statusRenderBudget: { client: { capacity: 20, refillPerSecond: 1 }, total: { capacity: 10_000, refillPerSecond: 1000 } } });
    const port = await listen(deps);
    let refused: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 500 && refused === undefined; i++) {
      const answer = await get(port, '/?per=500', '127.0.0.1');
      if (answer.status !== 200) refused = answer;
    }
    expect(refused?.status).toBe(429);
    expect(refused?.headers['x-error-code']).toBe('ERR_RATE_LIMITED');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get(port, '/matrix', '127.0.0.2')).status).toBe(200);
    expect((await get(port, '/matrix', '127.0.0.1')).status).toBe(429);
  });
});

describe('methods', () => {
  it('HEAD /probe never probes, HEAD /metrics never scrapes; GET /-/reload answers 405', async () => {
    const deps = fakeDeps();
    const real = deps.registry;
    let bodies = 0;
    deps.registry = { contentType: real.contentType, metricsBody: async (encoding) => (bodies++, await real.metricsBody(encoding)) };
    const port = await listen(deps);
    const head = await get(port, '/probe?target=mx.example.com', '127.0.0.1', 'HEAD');
    expect(head.status).toBe(405);
    expect(head.headers.allow).toBe('GET');
    expect(deps.calls.probe).toEqual([]);
    const headMetrics = await get(port, '/metrics', '127.0.0.1', 'HEAD');
    expect(headMetrics.status).toBe(200);
    expect(headMetrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(bodies).toBe(0);
    expect((await get(port, '/metrics')).status).toBe(200);
    expect(bodies).toBe(1);
    const reload = await get(port, '/-/reload');
    expect(reload.status).toBe(405);
    expect(deps.calls.reloads).toBe(0);
  });
});
