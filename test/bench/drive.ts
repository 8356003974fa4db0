// Two ways to load an exporter or a client with sessions: flat out, a fixed number at a time (how
// the reference figures were taken), or paced, one started every 1/rate s whatever the
// others are doing (how a schedule, or Prometheus scraping /probe targets, spreads them). Per-probe
// CPU differs by 2× between the two on the same code, so figures are compared at the same pace.
import type { ProbeMode } from './exporter-run.js';

export type Pace = { concurrency: number } | { rate: number };

/** What a reference run (the Node floor, blackbox_exporter) reports. */
export interface ReferenceFigures {
  mode: ProbeMode;
  pace: string;
  probes: number;
  failed: number;
  cpuMsPerProbe: number;
  cpuKernelShare: number;
  probesPerSecond: number;
  rssMaxBytes: number;
}

export function describePace(pace: Pace): string {
  return 'rate' in pace ? `paced at ${pace.rate.toFixed(0)}/s` : `${pace.concurrency} at a time`;
}

/** Runs sessions offset … offset+total-1; resolves with how many failed. */
export async function drive(total: number, offset: number, pace: Pace, session: (i: number) => Promise<boolean>): Promise<number> {
  if ('rate' in pace) {
    const started = performance.now();
    const sessions: Array<Promise<boolean>> = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / pace.rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sessions.push(session(offset + i).catch(() => false));
    }
    return (await Promise.all(sessions)).filter((ok) => !ok).length;
  }
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < total) if (!(await session(offset + next++).catch(() => false))) failed++;
  };
  await Promise.all(Array.from({ length: pace.concurrency }, worker));
  return failed;
}
