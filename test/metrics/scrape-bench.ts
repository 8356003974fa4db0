// Not a test: a local measurement of /metrics scrapes over 10,000 targets, over HTTP.
// Run: npx tsc --outDir /tmp/scrape-bench --noEmit false --strict --module nodenext --target es2022 \
//        --skipLibCheck --types node test/metrics/scrape-bench.ts
//      (cd /tmp/scrape-bench && ln -sfn /work/main/node_modules node_modules && echo '{"type":"module"}' > package.json)
//      node /tmp/scrape-bench/test/metrics/scrape-bench.js
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Expectations } from '../../src/config/types.js';
import { buildServer } from '../../src/http/server.js';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATUS, mx1 } from '../fixtures/metrics/states.js';

const run = promisify(execFile);
/** SCRAPE_BENCH_TARGETS=50000 for the largest fleet the README sizes. */
const N = Number(process.env.SCRAPE_BENCH_TARGETS ?? 10_000);
/** Share of the targets probed between two scrapes: 25% is a 60 s period scraped every 15 s. */
const REPROBED = Number(process.env.SCRAPE_BENCH_REPROBED ?? 0.25);
// A new probe of a target: a new start time and every phase a little slower or faster, as a real
// server's are (the families of times change, its capabilities do not).
const make = (i: number, t: number): TargetState => {
  const timings = Object.fromEntries(Object.entries(mx1.last_result!.timings_seconds).map(([phase, s]) => [phase, s! * (1 + ((i + t) % 7) / 100)]));
  return { ...mx1, target: `mx${i}.example.test:25`, group: `g${i % 10}`, last_result: { ...mx1.last_result!, started_at: t, timings_seconds: timings } };
};
const states: TargetState[] = Array.from({ length: N }, (_, i) => make(i, 0));
let expectations: Expectations = { starttls: 'required', min_size_bytes: 1_000_000 };
const source: MetricsSource = {
  targets: () => states,
  targetConfig: () => ({ expectations }),
  backoffs: () => new Map(),
  status: () => GOLDEN_STATUS,
};
const registry = createExporterRegistry(source);

// End to end, as Prometheus sees it: GET /metrics over a socket, body read in full.
const app = buildServer({
  registry,
  logger: false,
  probeOnDemand: async () => ({ status: 'invalid', message: 'not in the bench' }),
  reload: async () => ({ ok: true }),
  isReady: () => true,
  targets: () => states,
  changes: () => [],
  status: { expectations: () => expectations, backoffSeconds: () => 0, recentChanges: () => [], transcripts: () => [], now: () => Math.floor(Date.now() / 1000) },
});
const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/metrics`;

// curl in another process, so the client's reading does not share the server's event loop; the
// exporter's CPU time (this process's) says more than wall time on a shared machine.
async function scrape(gzip = false): Promise<{ ms: number; cpuMs: number; bytes: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const encoding = gzip ? ['-H', 'Accept-Encoding: gzip'] : [];
  const { stdout } = await run('curl', ['-sS', '--max-time', '60', ...encoding, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url]);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  if (!stdout.startsWith('200 ')) throw new Error(`scrape failed: ${stdout}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, bytes: Number(stdout.split(' ')[1]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The longest the event loop was held during a row: what a probe due meanwhile waits.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

function report(label: string, runs: { ms: number; cpuMs: number }[]): void {
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `${label}: median ${median(ms).toFixed(0)} ms (min ${ms[0]!.toFixed(0)}, max ${ms.at(-1)!.toFixed(0)}), CPU median ${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms, event loop held up to ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  loopDelay.reset();
}

const cold = await scrape();
const text = await registry.metrics();
let series = 0;
for (let i = text.indexOf('\nsmtp_'); i >= 0; i = text.indexOf('\nsmtp_', i + 1)) series++;
console.log(`${N} targets, ${series} series, ${(cold.bytes / 1e6).toFixed(1)} MB; cold scrape (every target rendered): ${cold.ms.toFixed(0)} ms, CPU ${cold.cpuMs.toFixed(0)} ms`);
const warm: { ms: number; cpuMs: number }[] = [];
for (let i = 0; i < 10; i++) warm.push(await scrape());
report('warm scrape (no target probed since the last scrape)', warm);
const gzipped: { ms: number; cpuMs: number; bytes: number }[] = [];
for (let i = 0; i < 10; i++) gzipped.push(await scrape(true));
report(`warm scrape with gzip, as Prometheus asks (${(gzipped[0]!.bytes / 1e6).toFixed(1)} MB sent)`, gzipped);
// Rounds numbered across both rows: a target probed again gets new times, never those it had.
let round = 0;
for (const gzip of [false, true]) {
  const quarter: { ms: number; cpuMs: number }[] = [];
  for (let k = 1; k <= 10; k++) {
    const r = ++round;
    // Rendered as they are recorded, as the exporter does (prerender), not at the scrape. The
    // exporter lists targets in their order in the round, so those probed between two scrapes are
    // the next slice of the list.
    const slice = Math.round(N * REPROBED);
    for (let j = 0; j < slice; j++) {
      const i = (r * slice + j) % N;
      registry.prerender((states[i] = make(i, r)));
    }
    quarter.push(await scrape(gzip));
  }
  report(`scrape with ${Math.round(100 * REPROBED)}% of the targets re-probed${gzip ? ', gzip' : ''}`, quarter);
}
// A reload hands every target new config objects, equal to the old ones.
expectations = { ...expectations };
report('first gzip scrape after a reload (equal new config objects)', [await scrape(true)]);
const direct: { ms: number; cpuMs: number }[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  void [...(await registry.metricsBody())];
  const used = process.cpuUsage(cpu);
  direct.push({ ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 });
}
report('registry.metricsBody() read alone, warm (no HTTP, no gzip)', direct);
await app.close();
