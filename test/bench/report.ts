// The benchmark's markdown: one row per scenario, ehlo-exporter's figures next to the references'
// (the Node floor and blackbox_exporter) at the same pace, and their ratio (ehlo-exporter ÷
// reference, lower is better for ehlo-exporter); then the references flat out.
import type { BlackboxFigures } from './blackbox-run.js';
import type { ReferenceFigures } from './drive.js';
import type { ExporterFigures } from './exporter-run.js';
import type { FloorFigures } from './node-floor-run.js';
import type { PrometheusScrapeFigures } from './prometheus-answer.js';

export interface Row {
  ehlo: ExporterFigures;
  floor: { paced: FloorFigures; flat: FloorFigures };
  blackbox: { paced: BlackboxFigures; flat: BlackboxFigures } | null;
}

const MiB = 1024 * 1024;
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const percent = (share: number) => (Number.isFinite(share) ? `${(100 * share).toFixed(0)}%` : 'n/a');
const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) ? '—' : `${f(a / b)}×`);
const dialogue = (mode: string) => (mode === 'starttls' ? 'EHLO+STARTTLS' : 'EHLO');

const scrapeDurations = (p: PrometheusScrapeFigures | null) => (p ? `${f(p.durationP50Seconds, 3)} / ${f(p.durationP99Seconds, 3)}` : '—');
const answerTimes = (p: PrometheusScrapeFigures | null) => (p ? `${f(p.answerP50Seconds, 3)} / ${f(p.answerP99Seconds, 3)}` : '—');

function table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const head = [
    'targets', 'dialogue', 'Node', 'period', 'probes done / due', 'missed', 'CPU ms/probe', 'in kernel', 'Node floor ms/probe', '× floor',
    'blackbox ms/probe', 'ratio', 'RSS max MiB', 'RSS max in the rounds MiB', 'live heap KB/target', 'heap growth', 'blackbox RSS MiB', 'lateness p99 s', 'busiest s ÷ avg', '/metrics p50 / max ms', '/metrics MiB',
    'Prometheus scrape p50 / p99 s', "of it the exporter's answer p50 / p99 s", 'same, probing paused', 'Prometheus alone, same text', 'samples', 'scrapes failed', 'CPU ms/scrape', 'promtool', 'load1',
  ];
  return table(head, rows.map(({ ehlo: e, floor, blackbox }) => {
    const s = e.scenario;
    const bb = blackbox?.paced;
    return [
      s.targets.toLocaleString('en-US'),
      dialogue(s.mode),
      e.nodeVersion,
      `${s.periodSeconds} s × ${s.measuredRounds}`,
      `${e.schedule.completed} / ${e.schedule.due}`,
      `${e.schedule.missed}${e.schedule.duplicates > 0 ? ` (+${e.schedule.duplicates} dup)` : ''}`,
      f(e.cpuMsPerProbe, 3),
      percent(e.cpuKernelShare),
      f(floor.paced.cpuMsPerProbe, 3),
      ratio(e.cpuMsPerProbe, floor.paced.cpuMsPerProbe),
      bb ? f(bb.cpuMsPerProbe, 3) : '—',
      ratio(e.cpuMsPerProbe, bb?.cpuMsPerProbe),
      f(e.rssMaxBytes / MiB, 0),
      f(e.rssRoundsBytes / MiB, 0),
      f(e.heap.liveBytes / s.targets / 1024, 1),
      `${f(e.heap.growthFactor)}×`,
      bb ? f(bb.rssMaxBytes / MiB, 0) : '—',
      f(e.schedule.latenessMs.p99 / 1000, 3),
      f(e.schedule.busiestSecondRatio),
      `${f(e.scrape.p50Ms, 0)} / ${f(e.scrape.maxMs, 0)}`,
      f(e.scrape.bytes / MiB, 1),
      scrapeDurations(e.prometheus),
      answerTimes(e.prometheus),
      scrapeDurations(e.prometheusPaused),
      scrapeDurations(e.prometheusAlone),
      e.prometheus ? e.prometheus.samples.toLocaleString('en-US') : '—',
      e.prometheus ? `${e.prometheus.failed} of ${e.prometheus.scrapes}` : '—',
      e.scrapeCost ? `${f(e.scrapeCost.cpuMsPerScrape, 0)}${e.scrapeCost.probesMeanwhile > 0 ? ` (${e.scrapeCost.probesMeanwhile} probes meanwhile)` : ''}` : '—',
      e.promtool,
      `${f(e.loadBefore, 1)}–${f(e.loadAfter, 1)}`,
    ];
  }));
}

/** Every reference run, paced and flat out, with ehlo-exporter's ratio to each. */
export function referenceTable(rows: readonly Row[]): string {
  const head = ['reference', 'dialogue', 'targets', 'pace', 'probes', 'failed', 'probes/s', 'CPU ms/probe', 'in kernel', 'RSS max MiB', 'ehlo-exporter ÷ it'];
  const lines: string[][] = [];
  for (const { ehlo, floor, blackbox } of rows) {
    const runs: Array<[string, ReferenceFigures]> = [['Node floor', floor.paced], ['Node floor', floor.flat]];
    if (blackbox) runs.push(['blackbox_exporter', blackbox.paced], ['blackbox_exporter', blackbox.flat]);
    for (const [name, r] of runs) {
      lines.push([name, dialogue(r.mode), ehlo.scenario.targets.toLocaleString('en-US'), r.pace, String(r.probes), String(r.failed), f(r.probesPerSecond, 0),
        f(r.cpuMsPerProbe, 3), percent(r.cpuKernelShare), f(r.rssMaxBytes / MiB, 0), ratio(ehlo.cpuMsPerProbe, r.cpuMsPerProbe)]);
    }
  }
  return table(head, lines);
}
