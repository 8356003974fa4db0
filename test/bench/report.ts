// The benchmark's markdown: one row per scenario, ehlo-exporter's figures next to blackbox's and
// their ratio (ehlo-exporter ÷ blackbox, lower is better for ehlo-exporter).
import type { BlackboxFigures } from './blackbox-run.js';
import type { ExporterFigures } from './exporter-run.js';

export interface Row {
  ehlo: ExporterFigures;
  blackbox: BlackboxFigures | null;
}

const MiB = 1024 * 1024;
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) ? '—' : `${f(a / b)}×`);

export function markdownTable(rows: readonly Row[]): string {
  const head = [
    'targets', 'dialogue', 'period', 'probes done / due', 'missed', 'CPU ms/probe', 'blackbox CPU ms/probe', 'ratio',
    'RSS max MiB', 'blackbox RSS MiB', 'ratio', 'lateness p99 s', 'busiest s ÷ avg', '/metrics p50 / max ms', '/metrics MiB', 'promtool', 'load1',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const { ehlo: e, blackbox: b } of rows) {
    const s = e.scenario;
    lines.push(`| ${[
      s.targets.toLocaleString('en-US'),
      s.mode === 'starttls' ? 'EHLO+STARTTLS' : 'EHLO',
      `${s.periodSeconds} s × ${s.measuredRounds}`,
      `${e.schedule.completed} / ${e.schedule.due}`,
      `${e.schedule.missed}${e.schedule.duplicates > 0 ? ` (+${e.schedule.duplicates} dup)` : ''}`,
      f(e.cpuMsPerProbe, 3),
      b ? f(b.cpuMsPerProbe, 3) : '—',
      ratio(e.cpuMsPerProbe, b?.cpuMsPerProbe),
      f(e.rssMaxBytes / MiB, 0),
      b ? f(b.rssMaxBytes / MiB, 0) : '—',
      ratio(e.rssMaxBytes, b?.rssMaxBytes),
      f(e.schedule.latenessMs.p99 / 1000, 3),
      f(e.schedule.busiestSecondRatio),
      `${f(e.scrape.p50Ms, 0)} / ${f(e.scrape.maxMs, 0)}`,
      f(e.scrape.bytes / MiB, 1),
      e.promtool,
      `${f(e.loadBefore, 1)}–${f(e.loadAfter, 1)}`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function blackboxTable(rows: readonly Row[]): string {
  const bb = rows.flatMap((r) => (r.blackbox ? [r.blackbox] : []));
  if (bb.length === 0) return '';
  const lines = ['| blackbox run | probes | failed | probes/s at 64 concurrent | CPU ms/probe | RSS max MiB | load1 |', '|---|---|---|---|---|---|---|'];
  for (const b of bb) {
    lines.push(`| ${b.mode === 'starttls' ? 'EHLO+STARTTLS' : 'EHLO'} over ${b.targets.toLocaleString('en-US')} targets | ${b.probes} | ${b.failed} | ${f(b.probesPerSecond, 0)} | ${f(b.cpuMsPerProbe, 3)} | ${f(b.rssMaxBytes / MiB, 0)} | ${f(b.loadBefore, 1)}–${f(b.loadAfter, 1)} |`);
  }
  return lines.join('\n');
}
