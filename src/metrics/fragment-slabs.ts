// Where the cached fragments' bytes live (target-fragments.ts). One Buffer per target cost ~0.3 KB
// beside its ~1.3 KB of text (an ArrayBuffer, a C++ backing store and a malloc block each), and the
// churn of 50,000 of them, each replaced at its target's next probe, left glibc's heap full of holes.
// Here fragments are views into shared slabs, filled one after the other and never written over: a
// scrape that captured a fragment keeps reading it (and its slab) after it was replaced. A slab's
// space is freed as a whole, by the garbage collector, once no fragment in it is cached or read.
//
// Targets are probed in the same order every period, so the fragments of one slab are mostly
// replaced together and the slab dies. Those that are not (a target backing off, a group on a
// slower schedule) would pin half-empty slabs: the cache moves them out when the slabs hold more
// dead bytes than live ones (TargetFragmentCache.compactIfWasteful).
//
// Measured: a throwaway script (50,000 fragments of 1.0–1.9 KB replaced six times among 64 KiB
// transient buffers), RSS 234 MiB with a Buffer each, 195 MiB in slabs; `npm run bench` at 50,000
// EHLO targets, RSS max 398–401 MiB against 414–415 before (docs/performance.md, "each target's
// series in shared slabs").

/**
 * 64 KiB, as the /metrics chunks (byte-sink.ts): below glibc's mmap threshold, so a slab is a heap
 * block that the next slab reuses, not a mapping made and unmade.
 */
export const SLAB_BYTES = 64 * 1024;

/** A fragment larger than this gets a Buffer of its own: a slab should hold many. */
const LARGEST_IN_SLAB = SLAB_BYTES / 8;

/** Below this much dead space compaction is not worth a pass over the targets. */
const MIN_DEAD_BYTES = 16 * SLAB_BYTES;

export class FragmentSlabs {
  private current: Buffer | null = null;
  private used = 0;
  /** Bytes of cached fragments per slab (by its ArrayBuffer); a slab with none is forgotten. */
  private readonly live = new Map<ArrayBufferLike, number>();
  private liveBytes = 0;

  /** `bytes` bytes for a new fragment, to be filled once by the caller. */
  allocate(bytes: number): Buffer {
    if (bytes > LARGEST_IN_SLAB) return Buffer.allocUnsafeSlow(bytes);
    if (this.current === null || this.used + bytes > SLAB_BYTES) {
      if (this.current !== null && this.live.get(this.current.buffer) === 0) this.live.delete(this.current.buffer);
      this.current = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
      this.live.set(this.current.buffer, 0);
    }
    const fragment = this.current.subarray(this.used, this.used + bytes);
    this.used += bytes;
    this.live.set(this.current.buffer, this.live.get(this.current.buffer)! + bytes);
    this.liveBytes += bytes;
    return fragment;
  }

  /** A fragment is no longer cached (replaced, or its target removed). */
  release(fragment: Buffer): void {
    const held = this.live.get(fragment.buffer);
    if (held === undefined) return; // a Buffer of its own
    this.liveBytes -= fragment.length;
    if (held === fragment.length && fragment.buffer !== this.current?.buffer) this.live.delete(fragment.buffer);
    else this.live.set(fragment.buffer, held - fragment.length);
  }

  /** Whether the slabs hold more dead bytes than live ones (and enough to be worth moving). */
  get wasteful(): boolean {
    const dead = this.live.size * SLAB_BYTES - this.liveBytes;
    return dead > MIN_DEAD_BYTES && dead > this.liveBytes;
  }

  /** Whether a cached fragment sits in a slab less than half full (not the one being filled): move it. */
  inSparseSlab(fragment: Buffer): boolean {
    const held = this.live.get(fragment.buffer);
    return held !== undefined && held < SLAB_BYTES / 2 && fragment.buffer !== this.current?.buffer;
  }

  /** A copy of a cached fragment in the current slab; the original is released. */
  move(fragment: Buffer): Buffer {
    const copy = this.allocate(fragment.length);
    copy.set(fragment);
    this.release(fragment);
    return copy;
  }

  /** Slabs in use and the bytes of cached fragments in them (for tests, through TargetFragmentCache.slabUsage). */
  get usage(): { slabs: number; liveBytes: number } {
    return { slabs: this.live.size, liveBytes: this.liveBytes };
  }
}
