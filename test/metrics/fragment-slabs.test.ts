// The cached fragments' slabs (fragment-slabs.ts): fragments packed into shared 64 KiB slabs, never
// written over, a slab forgotten when its last fragment is released, and the cache moving fragments
// out of slabs that are mostly dead space (a reload that drops most targets).
import { describe, expect, it } from 'vitest';
import { FragmentSlabs, SLAB_BYTES } from '../../src/metrics/fragment-slabs.js';
import { TargetFragmentCache } from '../../src/metrics/target-fragments.js';
import type { TargetState } from '../../src/state/types.js';
import { mx1, result, state } from '../fixtures/metrics/states.js';

const filled = (slabs: FragmentSlabs, bytes: number, value: number) => slabs.allocate(bytes).fill(value);

describe('FragmentSlabs', () => {
  it('packs fragments one after the other into shared slabs, a large one into a buffer of its own', () => {
    const slabs = new FragmentSlabs();
    const perSlab = Math.floor(SLAB_BYTES / 1000);
    const fragments = Array.from({ length: perSlab + 1 }, (_, i) => filled(slabs, 1000, i));
    expect(new Set(fragments.slice(0, perSlab).map((f) => f.buffer)).size).toBe(1);
    expect(fragments[perSlab]!.buffer).not.toBe(fragments[0]!.buffer);
    expect(fragments.every((f, i) => f.length === 1000 && f.every((b) => b === i))).toBe(true);
    const large = slabs.allocate(SLAB_BYTES / 4);
    expect(large.byteOffset === 0 && large.buffer.byteLength === SLAB_BYTES / 4).toBe(true);
    expect(slabs.usage).toEqual({ slabs: 2, liveBytes: (perSlab + 1) * 1000 });
  });

  it('forgets a slab once every fragment in it is released, but not the one being filled', () => {
    const slabs = new FragmentSlabs();
    const perSlab = Math.floor(SLAB_BYTES / 1000);
    const first = Array.from({ length: perSlab }, () => slabs.allocate(1000));
    const second = [slabs.allocate(1000)];
    first.forEach((f) => slabs.release(f));
    expect(slabs.usage).toEqual({ slabs: 1, liveBytes: 1000 });
    slabs.release(second[0]!);
    expect(slabs.usage).toEqual({ slabs: 1, liveBytes: 0 });
    slabs.allocate(1000);
    expect(slabs.usage).toEqual({ slabs: 1, liveBytes: 1000 });
  });

  it('moves a fragment with its bytes, leaving the original as it was for whoever still reads it', () => {
    const slabs = new FragmentSlabs();
    const original = filled(slabs, 1000, 7);
    const copy = slabs.move(original);
    expect(copy.equals(original)).toBe(true);
    expect(copy.byteOffset).not.toBe(original.byteOffset);
    expect(original.every((b) => b === 7)).toBe(true);
    expect(slabs.usage.liveBytes).toBe(1000);
  });
});

describe('TargetFragmentCache slabs', () => {
  const fleet = (n: number): TargetState[] =>
    Array.from({ length: n }, (_, i) => {
      const target = `mx${i}.example.test:25`;
      return state({ ...mx1, target, group: 'mx', last_result: result({ ...mx1.last_result!, target, host: `mx${i}.example.test` }) });
    });

  it('moves the fragments left in mostly empty slabs when a reload drops most targets, without changing a byte', () => {
    const cache = new TargetFragmentCache();
    const states = fleet(8000);
    for (const s of states) cache.get(s, undefined);
    const before = cache.slabUsage;
    expect(before.slabs).toBeGreaterThan(50);
    const kept = states.filter((_, i) => i % 50 === 0);
    const captured = kept.map((s) => cache.get(s, undefined));
    const bytes = captured.map((f) => Buffer.from(f.fragment));
    cache.retainOnly(kept);
    const after = cache.slabUsage;
    expect(after.liveBytes).toBe(bytes.reduce((n, b) => n + b.length, 0));
    expect(after.slabs).toBeLessThanOrEqual(Math.ceil(after.liveBytes / (SLAB_BYTES / 2)) + 1);
    kept.forEach((s, i) => {
      const now = cache.get(s, undefined);
      expect(now.fragment.equals(bytes[i]!)).toBe(true);
      expect(now.changedAt).toBe(captured[i]!.changedAt);
      // What a scrape captured before is never written over.
      expect(captured[i]!.fragment.equals(bytes[i]!)).toBe(true);
    });
  });

  it('keeps the slabs within twice the bytes of the fragments while targets are probed again in a different order each round', () => {
    const cache = new TargetFragmentCache();
    let states = fleet(3000);
    for (let round = 0; round < 6; round++) {
      // Every third target is not probed this round (backing off, or on a slower schedule).
      states = states.map((s, i) => ((i + round) % 3 === 0 ? s : { ...s, last_result: { ...s.last_result!, started_at: s.last_result!.started_at + 1 } }));
      const order = states.map((_, i) => (i * 7919 + round * 104_729) % states.length);
      for (const i of order) cache.get(states[i]!, undefined);
      const { slabs, liveBytes } = cache.slabUsage;
      expect(slabs * SLAB_BYTES).toBeLessThanOrEqual(2 * liveBytes + 16 * SLAB_BYTES + SLAB_BYTES);
    }
  });
});
