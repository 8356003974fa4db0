// `npm run bench`: ehlo-exporter against a fake fleet of SMTP servers on loopback, side by side with
// blackbox_exporter when it is installed; prints a markdown table (README, "Performance and scale";
// earlier runs in docs/performance.md).
//
//   npm run bench                         1,000 and 10,000 targets, EHLO and STARTTLS, short periods (~5 min)
//   npm run bench -- --full               the issue's sizes: 10,000 STARTTLS on 60 s, 50,000 EHLO on 5 min (~60 min)
//   npm run bench -- --sizes=2000 --modes=starttls --period=30 --rounds=2 --profile --no-blackbox
//
// --node=24 (or 22) runs ehlo-exporter and the Node floor on that Node (other-node.ts).
// Prometheus (Debian's) scrapes the exporter every 15 s during the rounds when installed; --no-prometheus
// leaves it out and the bench's own client scrapes instead (prometheus-run.ts, scrape-cost.ts).
// --keep leaves the generated configs, stores and scrapes in the temp dir.
// --node-options="--optimize-for-size …" runs ehlo-exporter with those Node/V8 options.
// --exporter-flags="--probe.workers=0" adds those flags to ehlo-exporter's command line.
// --max-concurrency=N sets politeness.max_concurrency (default 64: at 500 probes/s, probes must then
// end within 128 ms each, which STARTTLS on a busy 2-core machine does not).
// --profile writes ehlo-exporter's CPU profiles (node --cpu-prof), one per thread, to
// .bench-build/profiles/ehlo-exporter-MODE-TARGETS/.
// --status-page measures the status page instead (1,000 and 10,000 targets, or --sizes): curl and
// headless Chromium against an exporter probing the fake fleet (status-page-run.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeCertificates } from './bench-certificates.js';
import { blackboxVersion, runBlackbox } from './blackbox-run.js';
import { prepareOtherNode } from './other-node.js';
import { PROMETHEUS_BIN } from '../support/prometheus-stack.js';
import { SCRAPE_TIMEOUT_SECONDS } from './prometheus-run.js';
import { describeScrapes, runExporterScenario, type ProbeMode, type Scenario } from './exporter-run.js';
import { FleetClient } from './fleet-client.js';
import { runNodeFloor } from './node-floor-run.js';
import { runStatusPageBench } from './status-page-run.js';
import type { Pace } from './drive.js';
import { load1 } from './proc-stats.js';
import { markdownTable, referenceTable, type Row } from './report.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const MAIN_JS = join(REPO, 'dist', 'main.js');
const OUT = join(REPO, '.bench-build');

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    modes: { type: 'string' },
    period: { type: 'string' },
    rounds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-blackbox': { type: 'boolean', default: false },
    'no-prometheus': { type: 'boolean', default: false },
    node: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    'exporter-flags': { type: 'string' },
    'max-concurrency': { type: 'string' },
    'status-page': { type: 'boolean', default: false },
  },
});

function scenarios(): Scenario[] {
  const modes = (values.modes?.split(',') ?? ['ehlo', 'starttls']) as ProbeMode[];
  for (const m of modes) if (m !== 'ehlo' && m !== 'starttls') throw new Error(`--modes: unknown dialogue "${m}" (ehlo, starttls)`);
  if (values.sizes !== undefined) {
    const period = Number(values.period ?? 30);
    const rounds = Number(values.rounds ?? 2);
    return values.sizes.split(',').flatMap((n) => modes.map((mode) => ({ targets: Number(n), mode, periodSeconds: period, measuredRounds: rounds })));
  }
  if (values.full) {
    return [
      { targets: 1_000, mode: 'ehlo', periodSeconds: 60, measuredRounds: 1 },
      { targets: 1_000, mode: 'starttls', periodSeconds: 60, measuredRounds: 1 },
      { targets: 10_000, mode: 'ehlo', periodSeconds: 60, measuredRounds: 2 },
      { targets: 10_000, mode: 'starttls', periodSeconds: 60, measuredRounds: 2 },
      { targets: 50_000, mode: 'ehlo', periodSeconds: 300, measuredRounds: 1 },
    ].filter((s) => modes.includes(s.mode as ProbeMode)) as Scenario[];
  }
  return [
    { targets: 1_000, mode: 'ehlo', periodSeconds: 15, measuredRounds: 2 },
    { targets: 1_000, mode: 'starttls', periodSeconds: 15, measuredRounds: 2 },
    { targets: 10_000, mode: 'ehlo', periodSeconds: 20, measuredRounds: 2 },
    { targets: 10_000, mode: 'starttls', periodSeconds: 20, measuredRounds: 2 },
  ].filter((s) => modes.includes(s.mode as ProbeMode)) as Scenario[];
}

function promtoolCheck(file: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(file), encoding: 'utf8' });
  if (run.error) return 'not installed';
  if (run.status === 0) return 'ok';
  return `FAILED: ${`${run.stdout}${run.stderr}`.trim().split('\n').slice(0, 3).join('; ')}`;
}

function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    // not important
  }
  return `${cpus().length} × ${model}, Linux ${kernel}, Node ${process.version}`;
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function statusPage(): Promise<void> {
  const sizes = values.sizes?.split(',').map(Number) ?? [1_000, 10_000];
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-bench-'));
  const certs = makeCertificates(dir);
  const fleet = await FleetClient.start(certs, 1800);
  let table: string;
  try {
    log(`status page at ${sizes.join(', ')} targets; machine: ${machine()}; load1 ${load1().toFixed(2)}`);
    table = await runStatusPageBench(sizes, { mainJs: MAIN_JS, dir, fleet, certs, log });
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const text = [`### ehlo-exporter status page, ${when} UTC`, '', `Machine: ${machine()}.`, 'curl from another process, sequential, after 3 warm-up fetches; the exporter probes the fleet meanwhile.', '', table, ''].join('\n');
  process.stdout.write(`\n${text}`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `status-page-${when.replace(/[ :]/g, '-')}.md`), text);
}

async function main(): Promise<void> {
  const list = scenarios();
  const bbVersion = values['no-blackbox'] ? null : blackboxVersion();
  if (bbVersion === null) {
    log(values['no-blackbox'] ? 'blackbox_exporter skipped (--no-blackbox)' : 'blackbox_exporter is not installed (Debian: apt-get install prometheus-blackbox-exporter): printing ehlo-exporter\'s own figures only');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-bench-'));
  const profileDir = values.profile ? join(OUT, 'profiles') : null;
  const node = values.node === undefined ? { execPath: process.execPath, mainJs: MAIN_JS, version: process.version } : prepareOtherNode(values.node, REPO, OUT, log);
  log(`ehlo-exporter and the Node floor run on Node ${node.version}`);
  const prometheus = !values['no-prometheus'] && existsSync(PROMETHEUS_BIN);
  if (!prometheus) log(values['no-prometheus'] ? 'Prometheus skipped (--no-prometheus)' : `${PROMETHEUS_BIN} is not installed (apt-get install prometheus): the bench's own client scrapes instead`);
  // The exporter's rounds, then the paced references (a period, at most a minute, each) and the
  // flat-out ones; with Prometheus, its scrapes of the paused exporter take ~3 min more (measured),
  // and those of the same text served at once ~1.5 min.
  const estimate = list.reduce((t, s) => t + s.periodSeconds * (s.measuredRounds + 1.5) + 10 + 2 * Math.min(s.periodSeconds, 60) + 30 + (prometheus ? 280 : 0), 0);
  log(`${list.length} scenarios, about ${Math.ceil(estimate / 60)} min; machine: ${machine()}; load1 ${load1().toFixed(2)}`);
  const nodeOptions = values['node-options']?.split(/\s+/).filter((o) => o !== '') ?? [];
  if (nodeOptions.length > 0) log(`ehlo-exporter runs with node ${nodeOptions.join(' ')}`);
  const exporterFlags = values['exporter-flags']?.split(/\s+/).filter((o) => o !== '') ?? [];
  if (exporterFlags.length > 0) log(`ehlo-exporter runs with ${exporterFlags.join(' ')}`);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const certs = makeCertificates(dir);
  // The fleet stops itself after the longest the whole run could take, even if this process dies.
  const fleet = await FleetClient.start(certs, Math.ceil(estimate * 2 + 600));
  const rows: Row[] = [];
  const floorRun = async (s: Scenario, probes: number, pace: Pace) => {
    await fleet.drain();
    const floor = await runNodeFloor(s.mode, s.targets, probes, pace, { fleetPort: fleet.port, certs, execPath: node.execPath });
    log(`Node floor ${s.mode} ${s.targets}, ${floor.pace}: ${floor.probes} probes, ${floor.cpuMsPerProbe.toFixed(3)} ms CPU/probe (${(100 * floor.cpuKernelShare).toFixed(0)}% in the kernel), ${floor.failed} failed`);
    return floor;
  };
  try {
    for (const s of list) {
      log(`ehlo-exporter: ${s.targets} targets, ${s.mode}, every ${s.periodSeconds} s, warm-up round + ${s.measuredRounds} measured`);
      const maxConcurrency = values['max-concurrency'] === undefined ? undefined : Number(values['max-concurrency']);
      const ehlo = await runExporterScenario(s, { mainJs: node.mainJs, execPath: node.execPath, nodeVersion: node.version, prometheus, dir, fleet, certs, profileDir, nodeOptions, exporterFlags, maxConcurrency, log });
      ehlo.promtool = promtoolCheck(ehlo.scrapeFile);
      if (ehlo.prometheus) log(`  Prometheus: ${describeScrapes(ehlo.prometheus)}, ${ehlo.prometheus.samples} samples, ${ehlo.prometheus.bodyBytes} bytes`);
      log(`  ${ehlo.probes} probes, ${ehlo.cpuMsPerProbe.toFixed(3)} ms CPU/probe (${(100 * ehlo.cpuKernelShare).toFixed(0)}% in the kernel), RSS ${(ehlo.rssMaxBytes / 2 ** 20).toFixed(0)} MiB (${(ehlo.rssRoundsBytes / 2 ** 20).toFixed(0)} in the rounds), live heap ${(ehlo.heap.liveBytes / ehlo.scenario.targets).toFixed(0)} B/target (growth ${ehlo.heap.growthFactor.toFixed(2)}×), lateness p99 ${(ehlo.schedule.latenessMs.p99 / 1000).toFixed(3)} s, missed ${ehlo.schedule.missed}, /metrics max ${ehlo.scrape.maxMs.toFixed(0)} ms, failed targets ${ehlo.failedTargets}`);
      // The references at ehlo-exporter's own pace (each target once per period, for at most a
      // minute), and flat out at 64 at a time as the issue's reference figures were taken.
      const rate = s.targets / s.periodSeconds;
      const paced: Pace = { rate };
      const pacedProbes = Math.round(Math.min(s.targets, rate * 60));
      const flat: Pace = { concurrency: 64 };
      const flatProbes = Math.min(10_000, Math.max(3_000, s.targets));
      const floor: Row['floor'] = { paced: await floorRun(s, pacedProbes, paced), flat: await floorRun(s, flatProbes, flat) };
      let blackbox: Row['blackbox'] = null;
      if (bbVersion !== null) {
        const bb = (probes: number, pace: Pace) => fleet.drain().then(() => runBlackbox(s.mode, s.targets, probes, pace, { dir, fleetPort: fleet.port, certs, version: bbVersion, log }));
        blackbox = { paced: await bb(pacedProbes, paced), flat: await bb(flatProbes, flat) };
        await fleet.drain();
      }
      rows.push({ ehlo, floor, blackbox });
    }
  } finally {
    const stats = await fleet.stats().catch(() => null);
    await fleet.stop();
    if (stats) log(`fake fleet: ${JSON.stringify(stats)}`);
    if (values.keep) log(`kept the configs, stores and last scrapes in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const text = [
    `### ehlo-exporter benchmark, ${when} UTC`,
    '',
    `Machine: ${machine()} (the harness; the exporter's Node is in each row). blackbox_exporter: ${bbVersion ?? 'not run'}.`,
    'CPU and RSS from /proc; RSS max over the whole run (with the reload below), "in the rounds" until the last round ended; CPU per probe over whole measured rounds, including /metrics scraped every 15 s',
    prometheus
      ? `by Debian's Prometheus (scrape_timeout ${SCRAPE_TIMEOUT_SECONDS} s, sample_limit 60 a target + 1,000, gzip), whose own scrape_duration_seconds, scrape_samples_scraped and up are the Prometheus columns
("of it the exporter's answer": from each request to the last byte of the exporter's answer, timed by a relay Prometheus scrapes through, test/bench/scrape-relay.ts);
then, with probing paused (a reload to a schedule that does not fire), 10 scrapes as Prometheus sends them: CPU per scrape (idle CPU removed; nothing changed since the last scrape, so every gzip section is reused: the floor) and the bench client's /metrics times; 5 scrapes by a fresh Prometheus of the paused exporter ("same, probing paused")
and of the same text served at once by a static server ("Prometheus alone": what Prometheus itself takes for that many samples here);`
      : 'by the bench\'s own client (its times are the /metrics column);',
    'lateness and spread from the fake fleet\'s arrival times. The references do the same dialogue on the same fleet:',
    'the Node floor is a bare Node client with nothing but the dialogue (test/bench/node-floor-process.ts), blackbox_exporter is',
    'driven through /probe as Prometheus drives it. In the first table both run at ehlo-exporter\'s own pace (each target once',
    'per period); the second has them flat out, 64 at a time, as the issue\'s reference figures were taken. ratio = ehlo-exporter ÷ reference.',
    '',
    markdownTable(rows),
    '',
    referenceTable(rows),
    '',
  ].join('\n');
  process.stdout.write(`\n${text}`);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `bench-${when.replace(/[ :]/g, '-')}.md`);
  writeFileSync(file, text);
  log(`table written to ${file}${profileDir ? `; CPU profiles in ${profileDir}` : ''}`);
}

await (values['status-page'] ? statusPage() : main());
