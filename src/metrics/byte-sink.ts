// The /metrics body written as Buffers of about `chunkBytes` each: strings are encoded straight
// into them and cached fragments are copied in, and the reader takes each chunk as soon as it is
// full (take()), so a 40 MB exposition is never in memory at once and never one giant string.
// 64 KB chunks stay below glibc's mmap threshold: 256 KB ones were mapped and unmapped on every
// scrape, and their page faults cost more than the copying.
import { INLINE_KEY, keyIdAt } from './line-keys.js';

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
   * written before it (the back-off family's lines, made at the scrape).
   */
  writeLines(open: Uint8Array, labels: Uint8Array, source: Uint8Array, start: number, end: number): void {
    for (let from = start; from < end; ) from = this.writeLine(open, labels, null, source, from, end);
  }

  /**
   * A fragment's lines of one family put back together (see series-writer.ts): each with `open`,
   * `labels` and its key (from `keys`, or written out in the line) before its value.
   */
  writeFragmentLines(open: Uint8Array, labels: Uint8Array, keys: readonly Uint8Array[], source: Uint8Array, start: number, end: number): void {
    let from = start;
    while (from < end) {
      const first = source[from]!;
      if (first === INLINE_KEY) from = this.writeLine(open, labels, null, source, from + 1, end);
      else from = this.writeLine(open, labels, keys[keyIdAt(first, source[from + 1]!)]!, source, from + 2, end);
    }
  }

  /**
   * open, labels, key (when not null), then source from `from` to its next line feed; returns where
   * the next line starts. No Buffer.copy: the pieces are tens of bytes, and a native call per piece
   * costs more than the copying (TypedArray.set for the fixed pieces, a byte loop that finds the
   * line's end).
   */
  private writeLine(open: Uint8Array, labels: Uint8Array, key: Uint8Array | null, source: Uint8Array, from: number, end: number): number {
    let lineEnd = source.indexOf(10, from) + 1;
    if (lineEnd === 0 || lineEnd > end) lineEnd = end;
    const keyLength = key === null ? 0 : key.length;
    const need = open.length + labels.length + keyLength + (lineEnd - from);
    if (need > this.room()) {
      this.flush();
      if (need > this.chunkBytes) this.current = Buffer.allocUnsafe(need);
    }
    const current = (this.current ??= Buffer.allocUnsafe(this.chunkBytes));
    let at = this.used;
    current.set(open, at);
    at += open.length;
    current.set(labels, at);
    at += labels.length;
    if (key !== null) {
      current.set(key, at);
      at += keyLength;
    }
    for (let k = from; k < lineEnd; k++) current[at++] = source[k]!;
    this.used = at;
    return lineEnd;
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
