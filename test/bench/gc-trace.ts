// The exporter's V8 heap as `node --trace-gc` reports it on stdout: after each full (Mark-Compact)
// collection the heap in use is what is live; the heap in use just before the next full collection,
// divided by that, is how far V8 let it grow in between (the part of RSS that is garbage).
// Every isolate writes its own lines, prefixed `[pid:isolate]`: the probe workers' interleave with
// the main thread's. Only the main thread's count, and it is the first to report: node loads the
// exporter's modules (collecting garbage as it goes) before the first worker starts.
const LINE = /^\[\d+:(0x[\da-f]+)\].*?(Mark-Compact(?: \(reduce\))?|Scavenge|Minor Mark-Sweep) ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;
const MB = 1024 * 1024;

export interface HeapFigures {
  /** Heap in use after the last full collection, in bytes. */
  liveBytes: number;
  /** Median over full collections of (in use before it) ÷ (live after the previous one). */
  growthFactor: number;
  fullCollections: number;
}

export class GcTrace {
  #partial = '';
  #measuring = false;
  #mainIsolate: string | null = null;
  readonly #full: Array<{ before: number; after: number }> = [];

  /** Feed stdout as it arrives; lines that are not GC traces (the exporter's own log) are skipped. */
  feed(chunk: Buffer): void {
    const lines = (this.#partial + chunk.toString('latin1')).split('\n');
    this.#partial = lines.pop()!.slice(-1000);
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m === null) continue;
      this.#mainIsolate ??= m[1]!;
      if (m[1] !== this.#mainIsolate || !m[2]!.startsWith('Mark-Compact')) continue;
      const collection = { before: Number(m[3]) * MB, after: Number(m[5]) * MB };
      if (this.#measuring) this.#full.push(collection);
      else this.#full.splice(0, this.#full.length, collection);
    }
  }

  /** Collections before this only supply the first "live after" (the warm-up round's). */
  startMeasuring(): void {
    this.#measuring = true;
  }

  figures(): HeapFigures {
    const full = this.#full;
    const growth = full.slice(1).map((c, i) => c.before / full[i]!.after).sort((a, b) => a - b);
    return { liveBytes: full.at(-1)?.after ?? NaN, growthFactor: growth[Math.floor(growth.length / 2)] ?? NaN, fullCollections: full.length - 1 };
  }
}
