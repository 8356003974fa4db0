// The /metrics body written as Buffers of about `chunkBytes` each: strings are encoded straight
// into them and cached fragments are copied in, and the reader takes each chunk as soon as it is
// full (take()), so a 40 MB exposition is never in memory at once and never one giant string.
// 64 KB chunks stay below glibc's mmap threshold: 256 KB ones were mapped and unmapped on every
// scrape, and their page faults cost more than the copying.
/** The size of the buffers a /metrics body is sent in (see above). */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export class ByteSink {
  private readonly chunks: Buffer[] = [];
  /** Allocated when first needed: a sink that only passes whole chunks on allocates none. */
  private current: Buffer | null = null;
  private used = 0;

  constructor(private readonly chunkBytes = DEFAULT_CHUNK_BYTES) {}

  writeString(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.room()) {
      this.flush();
      if (bytes > this.chunkBytes) {
        this.chunks.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    const current = (this.current ??= Buffer.allocUnsafe(this.chunkBytes));
    this.used += current.write(text, this.used, 'utf8');
  }

  /**
   * Copies each line of source[start, end) (each ends in a line feed) with `open` and `labels`
   * written before it: a compact fragment's lines put back together (see series-writer.ts). No
   * Buffer.copy: the pieces are tens of bytes, and a native call per piece costs more than the
   * copying (TypedArray.set for the two fixed pieces, a byte loop that finds the line's end).
   */
  writeLines(open: Uint8Array, labels: Uint8Array, source: Uint8Array, start: number, end: number): void {
    const openLength = open.length;
    const labelsLength = labels.length;
    let from = start;
    while (from < end) {
      let lineEnd = source.indexOf(10, from) + 1;
      if (lineEnd === 0 || lineEnd > end) lineEnd = end;
      const need = openLength + labelsLength + (lineEnd - from);
      if (need > this.room()) {
        this.flush();
        if (need > this.chunkBytes) this.current = Buffer.allocUnsafe(need);
      }
      const current = (this.current ??= Buffer.allocUnsafe(this.chunkBytes));
      let at = this.used;
      current.set(open, at);
      at += openLength;
      current.set(labels, at);
      at += labelsLength;
      for (let k = from; k < lineEnd; k++) current[at++] = source[k]!;
      this.used = at;
      from = lineEnd;
    }
  }

  /** Whether a full chunk is waiting to be taken. */
  get hasFullChunks(): boolean {
    return this.chunks.length > 0;
  }

  /** The full chunks written so far, in order, handed over: the sink keeps the one it is filling. */
  take(): Buffer[] {
    return this.chunks.splice(0);
  }

  /** Everything not taken yet, in order; the sink is spent afterwards. */
  finish(): Buffer[] {
    this.flush();
    return this.take();
  }

  private room(): number {
    return this.current === null ? this.chunkBytes : this.current.length - this.used;
  }

  private flush(): void {
    if (this.current !== null && this.used > 0) this.chunks.push(this.current.subarray(0, this.used));
    this.current = null;
    this.used = 0;
  }
}
