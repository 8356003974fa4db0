// The exporter process under the issue-15 attack, with 20,000 generated targets: 200 concurrent
// /api/v1/targets requests and 4 connections that ask for /metrics and never read. The targets
// point at loopback addresses whose port refuses, so each probe is a quick, real failure.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { sampleValue } from '../support/scrape.js';
import { waitFor } from '../support/wait-for.js';

const TARGETS = 20_000;
/** RSS the exporter must stay under during the attack (it starts near 200 MiB at this size). */
const RSS_BOUND_MIB = 600;

const dir = mkdtempSync(join(tmpdir(), 'ehlo-abuse-'));
let exporter: ExporterProcess | undefined;
const sockets: net.Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await exporter?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * 20,000 targets. The probes themselves cost CPU (about 3 ms each on a shared 2-core machine), so
 * only BUSY of them run on a schedule during the test, every 30 s; the rest are configured, exported
 * and listed like any target, but scheduled once a year, so the attack is what the test measures.
 */
const BUSY = 2000;

function fleetConfig(): string {
  const list = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `      - 127.77.${(from + k) >> 8}.${(from + k) & 255}:9`).join('\n');
  const groups = [`  - name: busy\n    schedule: "*/30 * * * * *"\n    targets:\n${list(0, BUSY)}`];
  const rest = (TARGETS - BUSY) / 3;
  for (let g = 0; g < 3; g++) groups.push(`  - name: quiet${g}\n    targets:\n${list(BUSY + g * rest, BUSY + (g + 1) * rest)}`);
  return `defaults:\n  schedule: "0 0 0 1 1 *"\n  timeout: 2s\n  helo_name: probe.abuse.test\npoliteness: { max_concurrency: 64, min_gap: 0s }\ngroups:\n${groups.join('\n')}\n`;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/**
 * The crowd runs in its own process, so that reading 200 answers does not delay this process's
 * own measurements of /-/healthy and the scrape. It prints how many answers had each status.
 */
function crowd(port: number, count: number): { sent: Promise<void>; answers: Promise<Record<string, number>> } {
  const script = `
    const net = require('node:net');
    const statuses = {};
    let left = ${count};
    for (let i = 0; i < ${count}; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: ${port}, localAddress: '127.0.2.' + ((i % 250) + 1) });
      let head = '';
      const timer = setTimeout(() => socket.destroy(), 30000);
      socket.on('data', (c) => { if (head.length < 20) head += c.toString('latin1', 0, 20); });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        const status = head.split(' ')[1] || 'none';
        statuses[status] = (statuses[status] || 0) + 1;
        if (--left === 0) process.stdout.write(JSON.stringify(statuses) + '\\n');
      });
      socket.write('GET /api/v1/targets?limit=1000 HTTP/1.1\\r\\nhost: x\\r\\nconnection: close\\r\\n\\r\\n');
    }
    process.stdout.write('sent\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('sent\n')) markSent();
  });
  const answers = new Promise<Record<string, number>>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('sent\n'.length)) as Record<string, number>) : reject(new Error(`crowd exited ${code}`)))),
  );
  return { sent, answers };
}

/** A request whose response is read whole (or dropped after `ms`), from `localAddress`. */
function request(port: number, path: string, localAddress: string, ms: number): Promise<{ status: number; bytes: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    sockets.push(socket);
    let head = '';
    let bytes = 0;
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (c: Buffer) => {
      if (head.length < 20) head += c.toString('latin1', 0, 20);
      bytes += c.length;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(head.split(' ')[1] ?? 0), bytes, ms: Date.now() - started });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  });
}

function nonReader(port: number, localAddress: string): void {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  socket.on('error', () => {});
  socket.pause();
  socket.write('GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n');
}

async function busyCounter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return sampleValue(text, name, { group: 'busy' }) ?? 0;
}

describe('the exporter under attack with 20,000 targets', () => {
  it('keeps scraping, stays healthy, bounds its memory and misses no scheduled probe', async () => {
    const config = join(dir, 'fleet.yml');
    writeFileSync(config, fleetConfig());
    exporter = await startExporter([`--config.file=${config}`, '--storage.path=:memory:', '--log.level=error'], { readyTimeoutMs: 60_000 });
    const { url, port } = exporter;
    const pid = exporter.child.pid!;
    // A whole round of the scheduled group, so /metrics and the API carry real results.
    await waitFor('a round of the busy group', async () => ((await busyCounter(url, 'smtp_exporter_probes_total')) >= BUSY ? true : undefined), 90_000, 2000);
    const missedBefore = await busyCounter(url, 'smtp_exporter_rounds_missed_total');
    const probesBefore = await busyCounter(url, 'smtp_exporter_probes_total');
    const rssBefore = rssMiB(pid);

    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
    try {
      // One attacker address holding /metrics without reading; a crowd on the API from many addresses.
      for (let i = 0; i < 4; i++) nonReader(port, '127.0.0.66');
      const { sent, answers } = crowd(port, 200);
      await sent;
      const scrape = await request(port, '/metrics', '127.0.0.1', 10_000);
      // /-/healthy asked again and again for as long as the crowd lasts (at most its 30 s), one at a time.
      let done = false;
      void answers.finally(() => (done = true));
      const healthChecks: { status: number; ms: number }[] = [];
      do healthChecks.push(await request(port, '/-/healthy', '127.0.0.1', 5000));
      while (!done);
      const statuses = await answers;
      const slowest = healthChecks.reduce((a, b) => (b.status !== 200 || b.ms > a.ms ? b : a));
      console.log(
        `abuse: rss before ${rssBefore.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB; /-/healthy ×${healthChecks.length}, slowest ${slowest.ms} ms; ` +
          `scrape ${scrape.ms} ms, ${scrape.bytes} bytes; API answers by status ${JSON.stringify(statuses)}`,
      );

      expect(healthChecks.every((h) => h.status === 200)).toBe(true);
      expect(slowest.ms).toBeLessThan(1000);
      expect(scrape.status).toBe(200);
      expect(scrape.bytes).toBeGreaterThan(1_000_000);
      expect(Object.keys(statuses).every((status) => status === '200' || status === '503')).toBe(true);
      expect(statuses['200']).toBeGreaterThan(0);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeLessThan(RSS_BOUND_MIB);
    // The next round after the attack runs in full, and none was skipped.
    await waitFor('the next round of the busy group', async () => ((await busyCounter(url, 'smtp_exporter_probes_total')) >= probesBefore + BUSY ? true : undefined), 60_000, 2000);
    expect(await busyCounter(url, 'smtp_exporter_rounds_missed_total')).toBe(missedBefore);
  }, 180_000);
});
