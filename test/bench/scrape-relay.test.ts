// The relay that times the exporter's part of a scrape: against a real HTTP server that answers in
// slices, over kept-alive connections as Prometheus scrapes.
import { createServer, type Server } from 'node:http';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScrapeRelay, type ScrapeRelay } from './scrape-relay.js';

const SLICE_MS = 60;
let server: Server;
let relay: ScrapeRelay;

beforeEach(async () => {
  // Three slices SLICE_MS apart: an answer takes at least 2 × SLICE_MS.
  server = createServer(async (_req, res) => {
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(SLICE_MS);
      res.write(`slice ${i}\n`);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay = await startScrapeRelay(`127.0.0.1:${(server.address() as { port: number }).port}`);
});

afterEach(async () => {
  await relay.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function get(agent: Agent): Promise<string> {
  const [host, port] = relay.address.split(':');
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path: '/metrics', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

describe('startScrapeRelay', () => {
  it('passes answers through and times each one, request to last byte, on one kept-alive connection', async () => {
    const from = Date.now();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(agent)).toBe('slice 0\nslice 1\nslice 2\n');
    await sleep(20);
    expect(await get(agent)).toBe('slice 0\nslice 1\nslice 2\n');
    // The second answer ended when the connection did.
    expect(relay.answerSeconds(from, Date.now() + 1)).toHaveLength(1);
    agent.destroy();
    await sleep(50);
    const seconds = relay.answerSeconds(from, Date.now() + 1);
    expect(seconds).toHaveLength(2);
    for (const s of seconds) {
      expect(s).toBeGreaterThanOrEqual((2 * SLICE_MS) / 1000 - 0.005);
      expect(s).toBeLessThan(2);
    }
    expect(relay.answerSeconds(Date.now() + 1, Date.now() + 2)).toEqual([]);
  });

  it('counts a request that arrives in two segments as one', async () => {
    const [host, port] = relay.address.split(':');
    const socket = connect(Number(port), host);
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    await new Promise((resolve) => socket.once('connect', resolve));
    const from = Date.now();
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await sleep(30);
    socket.write('Connection: close\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*slice 2\n/);
    await sleep(20);
    expect(relay.answerSeconds(from, Date.now() + 1)).toHaveLength(1);
  });
});
