import { describe, expect, it } from 'vitest';
import { GcTrace } from './gc-trace.js';

const MB = 1024 * 1024;

function line(isolate: string, kind: string, before: number, after: number): string {
  return `[4242:${isolate}]     1234 ms: ${kind} ${before} (${before + 5}) -> ${after} (${after + 5}) MB, 7.5 / 0.0 ms  (average mu = 0.9, current mu = 0.9) allocation failure;\n`;
}

describe('GcTrace', () => {
  it("follows the main thread's collections, not the probe workers' interleaved with them", () => {
    const trace = new GcTrace();
    trace.feed(Buffer.from(line('0x33d955b0', 'Scavenge', 4.4, 4.0) + line('0x33d955b0', 'Mark-Compact', 30, 20)));
    trace.startMeasuring();
    trace.feed(Buffer.from(line('0x7f5e74000f00', 'Mark-Compact', 12, 3) + 'a log line of the exporter\n' + line('0x33d955b0', 'Mark-Compact', 40, 25)));
    // A line split between two chunks, and a worker's collection after it.
    const last = line('0x33d955b0', 'Mark-Compact (reduce)', 50, 24);
    trace.feed(Buffer.from(last.slice(0, 30)));
    trace.feed(Buffer.from(last.slice(30) + line('0x7f5e68000f00', 'Mark-Compact', 9, 2)));
    const figures = trace.figures();
    expect(figures.liveBytes).toBe(24 * MB);
    expect(figures.fullCollections).toBe(2);
    // 40 / 20 and 50 / 25: both 2, and the workers' 12 / 3 nowhere.
    expect(figures.growthFactor).toBe(2);
  });
});
