// The exporter's CPU per scrape, apart from its probing. Around a scrape during the rounds the CPU
// delta mixes both (at 10,000 targets every 20 s the process probes ~500 times in the 15 s between
// scrapes), so after the rounds the exporter is reloaded (SIGHUP) with the same targets and a
// schedule that does not fire, which keeps every target's state and cached exposition but stops
// probing; then `count` scrapes sent as Prometheus sends them (gzip accepted, one at a time, a
// second apart) between two quiet spans, minus the idle process's own CPU (timers, GC): the lower
// of the two spans' rates, the first taken once the process has settled. A check from
// smtp_exporter_probes_total that nothing was probed meanwhile. Per-target text is rendered when a
// probe is recorded, not at scrape time (metrics/), but the gzip body reuses the sections no probe
// changed since the last scrape (gzip-sections.ts): paused, every section is reused, so the figure
// is a scrape's floor. During rounds the sections of the targets probed since are compressed again
// (test/metrics/scrape-bench.ts measures that part).
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTimes } from './proc-stats.js';
import { percentile } from './schedule-stats.js';
import { waitFor } from '../support/wait-for.js';

export interface ScrapeCost {
  scrapes: number;
  /** CPU of the whole process (all threads: gzip runs on libuv's pool) per scrape, idle rate removed. */
  cpuMsPerScrape: number;
  /** The paused exporter's own CPU, ms per second, the baseline removed above. */
  idleCpuMsPerSecond: number;
  /** Wall time of the bench's client fetching and decoding the whole body. */
  p50Ms: number;
  maxMs: number;
  /** Uncompressed body. */
  bytes: number;
  /** Probes completed between the first and the last measured scrape: 0 when the pause held. */
  probesMeanwhile: number;
}

// What Prometheus 2.x sends (scrape/scrape.go): text format preferred, gzip accepted.
const PROMETHEUS_HEADERS = {
  accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
  'x-prometheus-scrape-timeout-seconds': '10',
};

const QUIET_SPAN_MS = 5000;
/**
 * Between the pause and the first quiet span. Measured at 10,000 EHLO targets: for ~10 s after the
 * last probe the process still spends 20–150 ms/s (the stopped round's tail, the polling scrapes'
 * garbage), against 0–10 later; a quiet span taken at once held that and its rate, removed over the
 * whole measured span, left nothing of the scrapes.
 */
const SETTLE_MS = 15_000;

const metricValue = (body: string, name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);
export const metricSum = (body: string, name: string): number =>
  [...body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);

/**
 * Reloads the exporter into its paused config (`reload()`), waits until it has stopped probing, then
 * measures `count` scrapes. A reload stops the cron tasks but not the round already planned (its
 * probes are spread over the period), hence the wait, of at most two periods and a minute: an
 * overloaded exporter may still be working through its backlog then, and is measured anyway, with
 * the probes it completed meanwhile reported next to the figure.
 */
export async function measureScrapeCost(pid: number, url: string, reload: () => void, periodMs: number, count = 10): Promise<ScrapeCost> {
  const asked = Date.now() / 1000;
  reload();
  let body = '';
  const scrape = async () => {
    const res = await fetch(`${url}/metrics`, { headers: PROMETHEUS_HEADERS, signal: AbortSignal.timeout(60_000) });
    body = await res.text();
    if (!res.ok) throw new Error(`/metrics answered ${res.status} in the scrape-only phase`);
  };
  // Paused: reloaded, nothing in flight, and no probe completed for 4 s (at the bench's paces a
  // planned round completes several probes a second).
  let lastProbes = NaN;
  let stillSince = 0;
  const paused = waitFor('the exporter to reload into its paused schedule and stop probing', async () => {
    await scrape();
    if (metricValue(body, 'smtp_exporter_config_last_reload_successful') === 0) throw new Error('the reload into the paused schedule failed');
    const probes = metricSum(body, 'smtp_exporter_probes_total');
    if (probes !== lastProbes) [lastProbes, stillSince] = [probes, Date.now()];
    const reloaded = metricValue(body, 'smtp_exporter_config_last_reload_success_timestamp_seconds') >= Math.floor(asked);
    return (reloaded && metricValue(body, 'smtp_exporter_probes_in_flight') === 0 && Date.now() - stillSince >= 4000) || undefined;
  }, 2 * periodMs + 60_000, 1000);
  await paused.catch((error: unknown) => {
    // The reload itself must have happened; a backlog still draining is reported, not fatal.
    if (!(metricValue(body, 'smtp_exporter_config_last_reload_success_timestamp_seconds') >= Math.floor(asked))) throw error;
  });
  const quiet = async () => {
    const before = cpuTimes(pid).totalMs;
    await sleep(QUIET_SPAN_MS);
    return cpuTimes(pid).totalMs - before;
  };
  await sleep(SETTLE_MS);
  const idleBefore = await quiet();
  const times: number[] = [];
  let probesBefore = NaN;
  const start = cpuTimes(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await scrape();
    times.push(performance.now() - t);
    if (i === 0) probesBefore = metricSum(body, 'smtp_exporter_probes_total');
    // Let the scrape's tail (socket close, freed buffers) land inside the measured span.
    await sleep(1000);
  }
  const spanMs = performance.now() - t0;
  const used = cpuTimes(pid).totalMs - start.totalMs;
  const idleMsPerMs = Math.min(idleBefore, await quiet()) / QUIET_SPAN_MS;
  times.sort((a, b) => a - b);
  return {
    scrapes: count,
    cpuMsPerScrape: Math.max(0, used - idleMsPerMs * spanMs) / count,
    idleCpuMsPerSecond: idleMsPerMs * 1000,
    p50Ms: percentile(times, 50),
    maxMs: times.at(-1) ?? NaN,
    bytes: Buffer.byteLength(body),
    probesMeanwhile: metricSum(body, 'smtp_exporter_probes_total') - probesBefore,
  };
}
