// What the kernel says a process has used: CPU time from /proc/<pid>/stat (utime + stime, in clock
// ticks) and memory from /proc/<pid>/status (VmRSS now, VmHWM the peak). Linux only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU the process has used so far, in ms (10 ms resolution at 100 Hz): in user space, in the kernel, and both. */
export interface CpuTimes {
  userMs: number;
  systemMs: number;
  totalMs: number;
}

export function cpuTimes(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userMs = (Number(fields[11]) * 1000) / clockTicks();
  const systemMs = (Number(fields[12]) * 1000) / clockTicks();
  return { userMs, systemMs, totalMs: userMs + systemMs };
}

/** The CPU used between two readings, per probe, and the kernel's share of it (loopback TCP is
 * mostly kernel work, much of it the fake fleet's side, done in whichever process sends). */
export function cpuPerProbe(start: CpuTimes, end: CpuTimes, probes: number): { msPerProbe: number; kernelShare: number } {
  const total = end.totalMs - start.totalMs;
  return { msPerProbe: total / Math.max(1, probes), kernelShare: total > 0 ? (end.systemMs - start.systemMs) / total : NaN };
}

/** Resident memory now and at its peak, in bytes. */
export function memory(pid: number): { rssBytes: number; peakBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') };
}

/** Samples RSS every `everyMs` until stopped; the max is kept (VmHWM covers between samples). */
export class RssSampler {
  max = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pid: number, everyMs = 1000) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    try {
      const { rssBytes, peakBytes } = memory(this.pid);
      this.max = Math.max(this.max, rssBytes, peakBytes);
    } catch {
      // The process is gone; the max so far stands.
    }
  }

  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.max;
  }
}

/** The 1-minute load average, to print next to every figure: other work on the machine skews them. */
export function load1(): number {
  return loadavg()[0] ?? NaN;
}
