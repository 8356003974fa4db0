// The /metrics body assembled as a list of Buffers of about `chunkBytes` each: strings are encoded
// straight into them and cached fragments are copied in, so a 40 MB exposition costs allocations
// outside the V8 heap instead of one giant string and its UTF-8 copy. 64 KB chunks stay below
// glibc's mmap threshold: 256 KB ones were mapped and unmapped on every scrape, and their page
// faults cost more than the copying.
export class ByteSink {
  private readonly chunks: Buffer[] = [];
  private current: Buffer;
  private used = 0;

  constructor(private readonly chunkBytes = 64 * 1024) {
    this.current = Buffer.allocUnsafe(chunkBytes);
  }

  writeString(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.current.length - this.used) {
      if (bytes > this.chunkBytes) {
        this.flush();
        this.chunks.push(Buffer.from(text, 'utf8'));
        return;
      }
      this.flush();
    }
    this.used += this.current.write(text, this.used, 'utf8');
  }

  /** Copies source[start, end). */
  writeBytes(source: Buffer, start: number, end: number): void {
    let from = start;
    while (from < end) {
      if (this.used === this.current.length) this.flush();
      const n = Math.min(end - from, this.current.length - this.used);
      source.copy(this.current, this.used, from, from + n);
      this.used += n;
      from += n;
    }
  }

  /** Everything written, in order; the sink is spent afterwards. */
  finish(): Buffer[] {
    if (this.used > 0) this.chunks.push(this.current.subarray(0, this.used));
    this.used = this.current.length;
    return this.chunks;
  }

  private flush(): void {
    if (this.used > 0) this.chunks.push(this.current.subarray(0, this.used));
    this.current = Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
  }
}
