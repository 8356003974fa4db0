// `npm run bench -- --status-page`: what the status page costs at 1,000 and 10,000 configured
// targets. The built exporter probes the fake fleet (EHLO every 60 s, so it keeps working while it
// is measured); once (nearly) every target has a result, curl — a real HTTP client in another process —
// fetches each view in turn, and headless Chromium (when installed) loads the fleet view in full
// (HTML, stylesheet, script, layout) and reports its navigation timing.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCertificates } from './bench-certificates.js';
import { exporterConfig } from './exporter-run.js';
import { targetAddress } from './fleet-addresses.js';
import type { FleetClient } from './fleet-client.js';
import { percentile } from './schedule-stats.js';
import { chromiumUnavailableReason, launchChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

const PERIOD_SECONDS = 60;
/** Measuring starts once at most this share of the fleet is still unprobed (a loaded machine lags). */
const UNPROBED_SHARE = 0.01;
const FETCHES = 20;
const LOADS = 5;

interface ViewFigure {
  targets: number;
  view: string;
  status: number;
  bytes: number;
  firstByteP50Ms: number;
  totalP50Ms: number;
  totalMaxMs: number;
}

function curl(url: string): { status: number; firstByteMs: number; totalMs: number; bytes: number } {
  const out = execFileSync('curl', ['-s', '-o', '/dev/null', '--max-time', '30', '-w', '%{http_code} %{time_starttransfer} %{time_total} %{size_download}', url], { encoding: 'utf8' });
  const [status, firstByte, total, bytes] = out.trim().split(' ').map(Number) as [number, number, number, number];
  return { status, firstByteMs: firstByte * 1000, totalMs: total * 1000, bytes };
}

function measure(targets: number, base: string, view: string): ViewFigure {
  for (let i = 0; i < 3; i++) curl(base + view); // warm-up: JIT, caches
  const runs = Array.from({ length: FETCHES }, () => curl(base + view));
  const totals = runs.map((r) => r.totalMs).sort((a, b) => a - b);
  return {
    targets,
    view,
    status: runs[0]!.status,
    bytes: runs[0]!.bytes,
    firstByteP50Ms: percentile(runs.map((r) => r.firstByteMs).sort((a, b) => a - b), 50),
    totalP50Ms: percentile(totals, 50),
    totalMaxMs: totals.at(-1)!,
  };
}

/** Median of the browser's own navigation timing for a full load of `url` (loadEventEnd). */
async function browserLoadMs(url: string): Promise<number | null> {
  if (chromiumUnavailableReason() !== null) return null;
  const browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const loads: number[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      await page.goto(url, { waitUntil: 'load' });
      const ms = await page.evaluate(() => {
        const nav = (globalThis as unknown as { performance: { getEntriesByType(t: string): { loadEventEnd: number; startTime: number }[] } }).performance.getEntriesByType('navigation')[0]!;
        return nav.loadEventEnd - nav.startTime;
      });
      if (i > 0) loads.push(ms); // the first load also fetches the stylesheet and script
    }
    return percentile(loads.sort((a, b) => a - b), 50);
  } finally {
    await browser.close();
  }
}

export async function runStatusPageBench(
  sizes: readonly number[],
  env: { mainJs: string; dir: string; fleet: FleetClient; certs: BenchCertificates; log: (line: string) => void },
): Promise<string> {
  const figures: ViewFigure[] = [];
  const loads: { targets: number; ms: number | null }[] = [];
  for (const targets of sizes) {
    const configFile = join(env.dir, `status-${targets}.yml`);
    writeFileSync(configFile, exporterConfig({ targets, mode: 'ehlo', periodSeconds: PERIOD_SECONDS, measuredRounds: 0 }, env.fleet.port, env.certs));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [env.mainJs, `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.path=${join(env.dir, `status-${targets}.db`)}`, '--log.level=error'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(`ehlo-exporter ready at ${base}`, async () => (await fetch(`${base}/-/ready`).catch(() => null))?.ok || undefined, 60_000, 200);
      const unprobed = await waitFor(`${targets} targets probed`, async () => {
        const body = await (await fetch(`${base}/?per=1`)).text();
        const n = Number(/, (\d+) not probed yet/.exec(body)?.[1] ?? targets);
        return n <= targets * UNPROBED_SHARE ? n : undefined;
      }, (3 * PERIOD_SECONDS + 60) * 1000, 1000);
      env.log(`status page, ${targets} targets: ${targets - unprobed} probed; measuring`);
      const views = ['/', '/?sort=target&page=5', `/?q=${targetAddress(targets - 1)}`, '/?per=1000', '/matrix', '/changes', `/targets/${encodeURIComponent(`${targetAddress(0)}:${env.fleet.port}`)}`];
      for (const view of views) {
        const f = measure(targets, base, view);
        if (f.status !== 200) throw new Error(`${view} answered ${f.status}`);
        figures.push(f);
        env.log(`  ${view}: ${f.bytes} bytes, first byte p50 ${f.firstByteP50Ms.toFixed(1)} ms, total p50 ${f.totalP50Ms.toFixed(1)} ms, max ${f.totalMaxMs.toFixed(1)} ms`);
      }
      const ms = await browserLoadMs(`${base}/`);
      loads.push({ targets, ms });
      env.log(`  Chromium load of /: ${ms === null ? 'not measured (no chromium)' : `${ms.toFixed(0)} ms`}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
  }
  const lines = [
    '| targets | view | bytes | first byte p50 (ms) | total p50 (ms) | total max (ms) |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...figures.map((f) => `| ${f.targets.toLocaleString('en')} | \`${f.view.length > 40 ? `${f.view.slice(0, 37)}…` : f.view}\` | ${f.bytes.toLocaleString('en')} | ${f.firstByteP50Ms.toFixed(1)} | ${f.totalP50Ms.toFixed(1)} | ${f.totalMaxMs.toFixed(1)} |`),
    '',
    `Full load of \`/\` in headless Chromium (navigation start → load event, median of ${LOADS}): ` +
      loads.map((l) => `${l.targets.toLocaleString('en')} targets ${l.ms === null ? 'not measured' : `${l.ms.toFixed(0)} ms`}`).join(', ') + '.',
  ];
  return lines.join('\n');
}
