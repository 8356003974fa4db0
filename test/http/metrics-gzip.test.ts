// /metrics negotiates gzip as promhttp does, over real sockets: the gzip body is byte for byte the
// identity body once decompressed, and a client that does not accept gzip gets the identity encoding.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/http/content-encoding.js';
import { buildServer } from '../../src/http/server.js';
import { GOLDEN_STATES } from '../fixtures/metrics/states.js';
import { fakeDeps } from './fake-deps.js';
import { parseExposition } from '../metrics/parse-exposition.js';

describe('Accept-Encoding', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br', true],
    ['br, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.0', false],
    ['identity', false],
    ['br', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['*, gzip;q=0', false],
  ] as const)('%j → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('/metrics over a real socket', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    // Many targets, so the exposition streams in several chunks and compresses well.
    const states = Array.from({ length: 200 }, (_, i) => GOLDEN_STATES.map((s) => ({ ...s, target: `${s.target}-${i}` }))).flat();
    const deps = fakeDeps();
    deps.states = states;
    app = buildServer(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  function get(acceptEncoding?: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
      const req = request({ host: '127.0.0.1', port, path: '/metrics', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.end();
    });
  }

  it('sends gzip to a client that asks as Prometheus does, and the same exposition decompressed', async () => {
    const plain = await get();
    const zipped = await get('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    for (const r of [plain, zipped]) expect(r.headers.vary).toMatch(/accept-encoding/i);
    const unzipped = gunzipSync(zipped.body);
    // The registry renders the series of the same states both times; only the scrape's own timing may differ.
    const [a, b] = [parseExposition(unzipped.toString('utf8')), parseExposition(plain.body.toString('utf8'))];
    expect(a.help).toEqual(b.help);
    expect(a.samples.length).toBe(b.samples.length);
    expect(unzipped.length).toBeGreaterThan(100_000);
    expect(zipped.body.length).toBeLessThan(unzipped.length / 5);
  });

  it('sends the identity encoding when gzip is refused or not offered', async () => {
    for (const header of ['gzip;q=0', 'br', 'identity']) {
      const r = await get(header);
      expect(r.headers['content-encoding'], header).toBeUndefined();
      expect(r.body.toString('utf8')).toMatch(/^# HELP /);
    }
  });
});
