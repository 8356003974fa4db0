// 200 servers on 127.0.0.1 — 40 healthy, 160 hostile of ten kinds — probed together by the real
// exporter process every 5 s for several rounds. Meanwhile /metrics is scraped every second: it
// must keep answering quickly, healthy targets must be probed every round, and the exporter's
// resident memory (VmRSS) must stay under a bound that an unbounded buffer would break.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { find, parseExposition } from '../metrics/parse-exposition.js';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { useTempDir } from '../state/temp-dir.js';
import { waitFor } from '../support/wait-for.js';
import { fleetScript, type FleetKind } from './fleet-servers.js';
import { startRawServer, type RawServer } from './raw-smtp-server.js';

const HOSTILE_KINDS: FleetKind[] = ['silent', 'trickle', 'endless', 'ten-megabytes', 'binary', 'code-change', 'unasked', 'half-close', 'keywords', 'reset'];
const HEALTHY = 40;
const PER_HOSTILE_KIND = 16;
const PERIOD_SECONDS = 5;
const ROUNDS_OBSERVED = 5;
/** A scrape answered later than this counts as the exporter not keeping up. */
const SCRAPE_BOUND_MS = 2000;
/**
 * Resident memory bound. Measured here (Node 20, 2 cores): ~94 MB after start-up, ~143 MB at the
 * peak of this test. 200 MB leaves room for GC timing, yet one unbounded buffer per hostile server
 * would break it: the 16 ten-megabyte servers alone send 160 MB a round, and the endless ones as
 * much as the exporter is willing to read.
 */
const RSS_BOUND_MB = 200;

function rssMegabytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

describe('a fleet of 200 hostile and healthy servers', () => {
  const tempDir = useTempDir();
  const servers: RawServer[] = [];
  let exporter: ExporterProcess | undefined;

  afterAll(async () => {
    await exporter?.stop('SIGKILL');
    await Promise.all(servers.map((s) => s.close()));
  });

  it(`keeps /metrics answering, healthy targets probed every round, and RSS under ${RSS_BOUND_MB} MB`, async () => {
    const kinds: FleetKind[] = [...Array<FleetKind>(HEALTHY).fill('healthy'), ...HOSTILE_KINDS.flatMap((k) => Array<FleetKind>(PER_HOSTILE_KIND).fill(k))];
    expect(kinds).toHaveLength(200);
    const names: string[] = [];
    for (const [i, kind] of kinds.entries()) {
      // One loopback address each: the scheduler (politely) runs one session per host at a time.
      servers.push(await startRawServer(fleetScript(kind), `127.66.0.${i + 1}`));
      names.push(`${kind}-${i}`);
    }
    const entry = (i: number) => `      - target: "${servers[i]!.host}:${servers[i]!.port}"\n        name: ${names[i]}`;
    const dir = tempDir();
    const config = [
      'defaults:',
      `  schedule: "*/${PERIOD_SECONDS} * * * * *"`,
      '  timeout: 2s',
      'politeness:',
      '  min_gap: 0s',
      'groups:',
      '  - name: healthy',
      '    targets:',
      ...names.map((_, i) => i).filter((i) => kinds[i] === 'healthy').map(entry),
      '  - name: hostile',
      '    targets:',
      ...names.map((_, i) => i).filter((i) => kinds[i] !== 'healthy').map(entry),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config.yml'), config);
    exporter = await startExporter([`--config.file=${join(dir, 'config.yml')}`, `--storage.path=${join(dir, 'state.db')}`, '--log.level=error']);
    const pid = exporter.child.pid!;
    const startRss = rssMegabytes(pid);
    const healthy = names.filter((_, i) => kinds[i] === 'healthy');

    // Until every healthy target has been probed once.
    await waitFor('a first probe of every healthy target', async () => {
      const text = await (await fetch(`${exporter!.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      const parsed = parseExposition(text);
      return healthy.every((t) => find(parsed, 'smtp_last_probe_timestamp_seconds', { target: t }).length === 1) || undefined;
    }, 3 * PERIOD_SECONDS * 1000, 500);

    const seen = new Map<string, number[]>(healthy.map((t) => [t, []]));
    let maxRss = startRss;
    let slowest = 0;
    let scrapes = 0;
    let lastText = '';
    const until = Date.now() + ROUNDS_OBSERVED * PERIOD_SECONDS * 1000;
    while (Date.now() < until) {
      const started = Date.now();
      const res = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      lastText = await res.text();
      const took = Date.now() - started;
      expect(res.status).toBe(200);
      slowest = Math.max(slowest, took);
      scrapes++;
      maxRss = Math.max(maxRss, rssMegabytes(pid));
      const parsed = parseExposition(lastText);
      for (const t of healthy) {
        const at = find(parsed, 'smtp_last_probe_timestamp_seconds', { target: t })[0]?.value;
        const list = seen.get(t)!;
        if (at !== undefined && list.at(-1) !== at) list.push(at);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - took)));
    }

    console.log(`hostile fleet: ${scrapes} scrapes, slowest ${slowest} ms; RSS ${startRss.toFixed(0)} MB at start, ${maxRss.toFixed(0)} MB at most`);
    expect(slowest).toBeLessThan(SCRAPE_BOUND_MS);
    expect(maxRss).toBeLessThan(RSS_BOUND_MB);
    for (const [target, times] of seen) {
      // A probe every round: at least one new timestamp per period observed, none more than a
      // period (plus the spread inside a round) after the last.
      expect(times.length, target).toBeGreaterThanOrEqual(ROUNDS_OBSERVED - 1);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, target).toBeLessThan(PERIOD_SECONDS + 2.5);
    }
    const parsed = parseExposition(lastText);
    for (const t of healthy) expect(find(parsed, 'smtp_probe_success', { target: t })[0]?.value, t).toBe(1);
    // No round of a healthy target was skipped for lack of a free probe slot.
    expect(find(parsed, 'smtp_exporter_rounds_missed_total', { group: 'healthy' })[0]?.value).toBe(0);
    // The hostile ones failed (or not) as their kind says, and the label cap held for each.
    const success = (kind: FleetKind) => names.filter((n) => n.startsWith(`${kind}-`)).map((t) => find(parsed, 'smtp_probe_success', { target: t })[0]?.value);
    for (const kind of ['silent', 'trickle', 'endless', 'ten-megabytes', 'code-change', 'half-close', 'reset'] as const) {
      expect(success(kind), kind).toEqual(Array(PER_HOSTILE_KIND).fill(0));
    }
    for (const kind of ['binary', 'unasked', 'keywords'] as const) expect(success(kind), kind).toEqual(Array(PER_HOSTILE_KIND).fill(1));
    for (const t of names.filter((n) => n.startsWith('keywords-'))) {
      expect(find(parsed, 'smtp_extension_advertised', { target: t }).length).toBeLessThanOrEqual(100);
    }
    expect(await exporter.stop()).toBe(0);
  }, 120_000);
});
