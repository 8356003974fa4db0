// One scenario of ehlo-exporter against the fake fleet: the built exporter (dist/main.js) as a
// child process with a generated config, scraped every 15 s by a real Prometheus (prometheus-run.ts;
// by the bench's own client when Prometheus is not run), measured from /proc (CPU, RSS) and from the
// fleet's arrival log (probes, lateness, spread) over whole rounds after a warm-up round (the first
// round only sets every baseline); then its CPU per scrape with probing paused (scrape-cost.ts).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stableFraction } from '../../src/schedule/stable-offset.js';
import { FLEET_TLS_NAME, type BenchCertificates } from './bench-certificates.js';
import { GcTrace, type HeapFigures } from './gc-trace.js';
import { targetAddress } from './fleet-addresses.js';
import type { FleetClient } from './fleet-client.js';
import { cpuPerProbe, cpuTimes, load1, RssSampler } from './proc-stats.js';
import type { PrometheusScrapeFigures } from './prometheus-answer.js';
import { startBenchPrometheus } from './prometheus-run.js';
import { measureScrapeCost, metricSum, type ScrapeCost } from './scrape-cost.js';
import { judgeSchedule, percentile, type ScheduleReport } from './schedule-stats.js';
import { serveStaticExposition } from './static-exposition.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

export type ProbeMode = 'ehlo' | 'starttls';

export interface Scenario {
  targets: number;
  mode: ProbeMode;
  periodSeconds: number;
  measuredRounds: number;
}

export interface ExporterFigures {
  scenario: Scenario;
  probes: number;
  cpuMsPerProbe: number;
  cpuKernelShare: number;
  cpuShareOfCore: number;
  /** The peak over the whole run: the rounds, then the reload to a paused schedule and the scrapes after it. */
  rssMaxBytes: number;
  /** The peak until the rounds ended, before that reload: what the probing fleet itself takes. */
  rssRoundsBytes: number;
  heap: HeapFigures;
  schedule: ScheduleReport;
  failedTargets: number;
  exporterLatenessSeconds: number | null;
  scrape: { count: number; p50Ms: number; maxMs: number; bytes: number };
  /** The Node line the exporter ran on (`--node`). */
  nodeVersion: string;
  /** Prometheus's own figures about its scrapes in the measured rounds; null without Prometheus. */
  prometheus: PrometheusScrapeFigures | null;
  /** With probing paused after the rounds; null without Prometheus (the bench's scrapes then run during the rounds). */
  scrapeCost: ScrapeCost | null;
  /**
   * A fresh Prometheus's scrapes of the same exposition with probing paused (its first scrape, which
   * creates every series, left out): what Prometheus takes when the fake fleet and the probes do
   * not share the two cores with it. Null without Prometheus.
   */
  prometheusPaused: PrometheusScrapeFigures | null;
  /**
   * A fresh Prometheus's scrapes of the same text served at once by a static server
   * (static-exposition.ts): Prometheus's own floor for that many samples. Null without Prometheus.
   */
  prometheusAlone: PrometheusScrapeFigures | null;
  promtool: string;
  loadBefore: number;
  loadAfter: number;
  scrapeFile: string;
}

const SCRAPE_EVERY_MS = 15_000;
/** Prometheus scrapes measured with probing paused: 5 at its 15 s interval. */
const PAUSED_SCRAPES_MS = 5 * SCRAPE_EVERY_MS;
/** The node options of `npm start`, which the image runs with too (test/docker keeps the two equal). */
function startScript(): string[] {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ');
}

function deployedNodeOptions(): string[] {
  return startScript().filter((word) => word.startsWith('--'));
}

/** The environment `npm start` sets for node (glibc's malloc settings), as the image does. */
function deployedEnvironment(): Record<string, string> {
  const assignments = startScript().filter((word) => /^[A-Z_]+=/.test(word));
  return Object.fromEntries(assignments.map((a) => /^([A-Z_]+)=(.*)$/.exec(a)!.slice(1)));
}

/** A fresh Prometheus scraping `exporter` while nothing else runs; its first scrape (every series new) is left out. */
async function quietScrapes(dir: string, exporter: string, targets: number): Promise<PrometheusScrapeFigures> {
  const prometheus = await startBenchPrometheus(dir, exporter, targets);
  try {
    await sleep(SCRAPE_EVERY_MS + 1000);
    const from = Date.now();
    await sleep(PAUSED_SCRAPES_MS);
    return await prometheus.figures(from, Date.now());
  } finally {
    await prometheus.stop();
  }
}

export function describeScrapes(p: PrometheusScrapeFigures): string {
  const s = (x: number) => `${x.toFixed(3)} s`;
  return `${p.scrapes} scrapes, ${p.failed} failed, duration p50 ${s(p.durationP50Seconds)} p99 ${s(p.durationP99Seconds)}, answered (request to last byte) in p50 ${s(p.answerP50Seconds)} p99 ${s(p.answerP99Seconds)}`;
}

export function cronFor(periodSeconds: number): string {
  if (periodSeconds < 60 && 60 % periodSeconds === 0) return `*/${periodSeconds} * * * * *`;
  if (periodSeconds % 60 === 0 && 3600 % periodSeconds === 0) return `0 */${periodSeconds / 60} * * * *`;
  throw new Error(`a period of ${periodSeconds} s is not a whole divisor of a minute or an hour`);
}

/** Midnight on 1 January: the scrape-only phase's schedule, which does not fire during a bench. */
const PAUSED_SCHEDULE = '0 0 0 1 1 *';

export function exporterConfig(s: Scenario, fleetPort: number, certs: BenchCertificates, schedule = cronFor(s.periodSeconds), maxConcurrency?: number): string {
  const lines = [
    '# Generated by the ehlo-exporter benchmark (test/bench).',
    ...(maxConcurrency === undefined ? [] : ['politeness:', `  max_concurrency: ${maxConcurrency}`]),
    'defaults:',
    `  schedule: "${schedule}"`,
    '  timeout: 10s',
    '  helo_name: bench.ehlo-exporter.test',
    `  starttls: ${s.mode === 'starttls' ? 'required' : 'never'}`,
    '  tls:',
    `    server_name: ${FLEET_TLS_NAME}`,
    `    ca_file: ${certs.caFile}`,
    '    fail_on_verify_error: true',
    'groups:',
    '  - name: fleet',
    '    targets:',
  ];
  for (let i = 0; i < s.targets; i++) lines.push(`      - ${targetAddress(i)}:${fleetPort}`);
  return `${lines.join('\n')}\n`;
}

export async function runExporterScenario(
  s: Scenario,
  env: {
    mainJs: string; execPath: string; nodeVersion: string; prometheus: boolean; dir: string; fleet: FleetClient; certs: BenchCertificates;
    profileDir: string | null; nodeOptions: readonly string[]; exporterFlags?: readonly string[]; maxConcurrency?: number; log: (line: string) => void;
  },
): Promise<ExporterFigures> {
  const tag = `${s.mode}-${s.targets}`;
  const configFile = join(env.dir, `exporter-${tag}.yml`);
  writeFileSync(configFile, exporterConfig(s, env.fleet.port, env.certs, cronFor(s.periodSeconds), env.maxConcurrency));
  const port = await freePort();
  // A directory per scenario and Node's own file names: the probe workers write profiles too, and
  // under one fixed name each thread's overwrote the others'.
  const profile = env.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(env.profileDir, `ehlo-exporter-${tag}`)}`];
  const nodeArgs = [...deployedNodeOptions(), ...env.nodeOptions, ...profile, '--trace-gc'];
  const child = spawn(env.execPath, [...nodeArgs, env.mainJs, `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`,
    `--storage.path=${join(env.dir, `state-${tag}.db`)}`, '--log.level=error', ...(env.exporterFlags ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...deployedEnvironment() } });
  const gc = new GcTrace();
  child.stdout.on('data', (d: Buffer) => gc.feed(d));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  const rss = new RssSampler(pid);
  const scrapes: Array<{ at: number; ms: number; bytes: number }> = [];
  let lastBody = '';
  let prometheus: Awaited<ReturnType<typeof startBenchPrometheus>> | null = null;
  try {
    await waitFor(`ehlo-exporter ready at ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`ehlo-exporter exited: ${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => null))?.ok || undefined;
    }, 60_000, 200);
    const periodMs = s.periodSeconds * 1000;
    const firstRoundAt = Math.ceil((Date.now() + 200) / periodMs) * periodMs;
    const windowStart = firstRoundAt + periodMs;
    const windowEnd = windowStart + s.measuredRounds * periodMs;
    if (env.prometheus) prometheus = await startBenchPrometheus(join(env.dir, `prometheus-${tag}`), `127.0.0.1:${port}`, s.targets);
    env.log(`ehlo-exporter ${tag}: first round at ${new Date(firstRoundAt).toISOString()}, measuring ${new Date(windowStart).toISOString()} … ${new Date(windowEnd).toISOString()}`);

    // Scrapes every 15 s, in phase with the rounds but not on their boundaries.
    const scrape = async () => {
      const t = performance.now();
      const res = await fetch(`${url}/metrics`);
      const body = await res.text();
      const ms = performance.now() - t;
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
      lastBody = body;
      scrapes.push({ at: Date.now(), ms, bytes: Buffer.byteLength(body) });
    };
    // One scraper during the rounds, as in production: Prometheus when it runs, else the bench.
    let scraping = prometheus === null;
    const scraper = (async () => {
      let next = firstRoundAt + SCRAPE_EVERY_MS / 2;
      while (scraping) {
        await sleep(Math.max(0, next - Date.now()));
        if (!scraping) break;
        await scrape().catch((error: unknown) => env.log(`scrape failed: ${(error as Error).message}`));
        next += SCRAPE_EVERY_MS;
      }
    })();

    await sleep(windowStart - Date.now());
    const cpuStart = cpuTimes(pid);
    gc.startMeasuring();
    const loadBefore = load1();
    await sleep(windowEnd - Date.now());
    const cpuEnd = cpuTimes(pid);
    const loadAfter = load1();
    // Let the last round's late probes land before judging it.
    await sleep(Math.min(5000, periodMs / 2));
    scraping = false;
    await scraper;
    rss.sample();
    const rssRoundsBytes = rss.max;
    const promFigures = prometheus ? await prometheus.figures(windowStart, windowEnd + 5000) : null;
    await prometheus?.stop();
    prometheus = null;
    await scrape();
    const arrivals = await env.fleet.drain();
    let scrapeCost: ScrapeCost | null = null;
    let prometheusPaused: PrometheusScrapeFigures | null = null;
    let prometheusAlone: PrometheusScrapeFigures | null = null;
    if (promFigures !== null) {
      writeFileSync(configFile, exporterConfig(s, env.fleet.port, env.certs, PAUSED_SCHEDULE, env.maxConcurrency));
      scrapeCost = await measureScrapeCost(pid, url, () => child.kill('SIGHUP'), periodMs).catch((error: unknown) => {
        env.log(`  scrape-only phase failed, no CPU per scrape: ${(error as Error).message}`);
        return null;
      });
      if (scrapeCost) env.log(`  scrape-only phase: ${scrapeCost.cpuMsPerScrape.toFixed(1)} ms CPU per scrape (idle ${scrapeCost.idleCpuMsPerSecond.toFixed(1)} ms/s removed; ${scrapeCost.probesMeanwhile} probes meanwhile), ${(scrapeCost.bytes / 2 ** 20).toFixed(1)} MiB (rounds: ${(Buffer.byteLength(lastBody) / 2 ** 20).toFixed(1)} MiB)`);
      prometheusPaused = await quietScrapes(join(env.dir, `prometheus-${tag}-paused`), `127.0.0.1:${port}`, s.targets);
      env.log(`  Prometheus, probing paused: ${describeScrapes(prometheusPaused)}`);
      const alone = await serveStaticExposition(lastBody);
      try {
        prometheusAlone = await quietScrapes(join(env.dir, `prometheus-${tag}-alone`), alone.address, s.targets);
      } finally {
        await alone.close();
      }
      env.log(`  Prometheus alone, the same text served at once: ${describeScrapes(prometheusAlone)}`);
    }

    const fractions = new Float64Array(s.targets);
    for (let i = 0; i < s.targets; i++) fractions[i] = stableFraction(`${targetAddress(i)}:${env.fleet.port}`);
    const schedule = judgeSchedule(arrivals, { fractions, firstRoundAt, periodMs, fromRound: 1, toRound: 1 + s.measuredRounds });
    // Round by round, the warm-up included: where a backlog began, and whether it lasted.
    for (let round = 0; round <= s.measuredRounds; round++) {
      const r = judgeSchedule(arrivals, { fractions, firstRoundAt, periodMs, fromRound: round, toRound: round + 1 });
      const ms = (x: number) => (x / 1000).toFixed(3);
      env.log(`  round ${round}${round === 0 ? ' (warm-up)' : ''}: ${r.completed} of ${r.due} sessions, lateness p50 ${ms(r.latenessMs.p50)} s p99 ${ms(r.latenessMs.p99)} s max ${ms(r.latenessMs.max)} s`);
    }
    if (schedule.missed > 0) {
      for (const m of schedule.missedExamples) {
        env.log(`  missed: target ${m.target} in round ${m.round}, ${m.nearestArrivalMs === null ? 'never seen by the fleet' : `its nearest session ${(m.nearestArrivalMs / 1000).toFixed(3)} s after due`}`);
      }
      // Whether the exporter knows: a round it skipped counts in rounds_missed, a session that failed in failures.
      env.log(`  the exporter's own count, all rounds: rounds missed ${metricSum(lastBody, 'smtp_exporter_rounds_missed_total')}, failures ${metricSum(lastBody, 'smtp_probe_failures_total')}`);
    }
    let inWindow = 0;
    for (const at of arrivals.at) if (at >= windowStart && at < windowEnd) inWindow++;
    const measured = scrapes.filter((x) => x.at >= windowStart && x.at < windowEnd + 6000).map((x) => x.ms).sort((a, b) => a - b);
    const scrapeFile = join(env.dir, `metrics-${tag}.prom`);
    writeFileSync(scrapeFile, lastBody);
    const cpu = cpuPerProbe(cpuStart, cpuEnd, inWindow);
    const latenessLine = /^smtp_exporter_schedule_lateness_seconds\{group="fleet"\} (\S+)$/m.exec(lastBody);
    return {
      scenario: s,
      probes: inWindow,
      cpuMsPerProbe: cpu.msPerProbe,
      cpuKernelShare: cpu.kernelShare,
      cpuShareOfCore: (cpuEnd.totalMs - cpuStart.totalMs) / (windowEnd - windowStart),
      rssMaxBytes: rss.stop(),
      rssRoundsBytes,
      heap: gc.figures(),
      schedule,
      failedTargets: (lastBody.match(/^smtp_probe_success\{[^}]*\} 0$/gm) ?? []).length,
      exporterLatenessSeconds: latenessLine ? Number(latenessLine[1]) : null,
      scrape: scrapeCost
        ? { count: scrapeCost.scrapes, p50Ms: scrapeCost.p50Ms, maxMs: scrapeCost.maxMs, bytes: scrapeCost.bytes }
        : { count: measured.length, p50Ms: percentile(measured, 50), maxMs: measured.at(-1) ?? NaN, bytes: Buffer.byteLength(lastBody) },
      nodeVersion: env.nodeVersion,
      prometheus: promFigures,
      scrapeCost,
      prometheusPaused,
      prometheusAlone,
      promtool: '',
      loadBefore,
      loadAfter,
      scrapeFile,
    };
  } finally {
    await prometheus?.stop();
    rss.stop();
    if (child.exitCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
}
