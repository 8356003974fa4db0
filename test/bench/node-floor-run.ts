// Runs the Node floor (node-floor-process.ts) on the fake fleet and reads its one line of figures.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCertificates } from './bench-certificates.js';
import { describePace, type Pace, type ReferenceFigures } from './drive.js';
import type { ProbeMode } from './exporter-run.js';

export type FloorFigures = ReferenceFigures;

export function runNodeFloor(mode: ProbeMode, targets: number, probes: number, pace: Pace, env: { fleetPort: number; certs: BenchCertificates; execPath: string }): Promise<FloorFigures> {
  const script = join(import.meta.dirname, 'node-floor-process.js');
  const args = [script, String(env.fleetPort), mode, String(probes), String(targets), env.certs.caFile, String('rate' in pace ? pace.rate : 0)];
  return new Promise((resolve, reject) => {
    execFile(env.execPath, args, { timeout: 600_000, encoding: 'utf8' }, (error, stdout) => {
      if (error) return reject(new Error(`the Node floor client failed: ${error.message}`));
      const r = JSON.parse(stdout.trim()) as { probes: number; failed: number; cpuMs: number; systemMs: number; seconds: number; rssMaxBytes: number };
      resolve({
        mode,
        pace: describePace(pace),
        probes: r.probes,
        failed: r.failed,
        cpuMsPerProbe: r.cpuMs / r.probes,
        cpuKernelShare: r.systemMs / r.cpuMs,
        probesPerSecond: r.probes / r.seconds,
        rssMaxBytes: r.rssMaxBytes,
      });
    });
  });
}
