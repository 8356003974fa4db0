// A body made on the event loop hands the loop back between slices: a timer due while it is being
// made runs before it is finished, and nothing is lost or reordered.
import { describe, expect, it } from 'vitest';
import { gathered, paced } from '../../src/http/paced-body.js';

function* busyChunks(n: number, msEach: number): Generator<Buffer> {
  for (let i = 0; i < n; i++) {
    const until = performance.now() + msEach;
    while (performance.now() < until);
    yield Buffer.from([i]);
  }
}

describe('paced', () => {
  it('yields every chunk in order and lets a due callback run while the body is made', async () => {
    const seenAt: number[] = [];
    let read = 0;
    setImmediate(() => seenAt.push(read));
    const out: number[] = [];
    for await (const chunk of paced(busyChunks(20, 1), 3, 1)) {
      out.push(chunk[0]!);
      read++;
    }
    expect(out).toEqual([...Array(20).keys()]);
    expect(seenAt).toHaveLength(1);
    expect(seenAt[0]).toBeLessThan(20);
  });

  it('made in one go when the slice is longer than the whole body', async () => {
    const seenAt: number[] = [];
    let read = 0;
    setImmediate(() => seenAt.push(read));
    for await (const _ of paced(busyChunks(5, 0), 60_000, 1)) read++;
    expect(read).toBe(5);
    expect(seenAt).toEqual([]);
  });

  it('puts small pieces together into buffers of at least the given size, bytes unchanged and in order', () => {
    const pieces = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1 + (i % 7), i));
    const out = [...gathered(pieces, 10)];
    expect(Buffer.concat(out)).toEqual(Buffer.concat(pieces));
    expect(out.slice(0, -1).every((b) => b.length >= 10)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(Math.ceil(Buffer.concat(pieces).length / 10));
    const big = Buffer.alloc(100, 1);
    expect([...gathered([big], 10)][0]).toBe(big);
  });
});
