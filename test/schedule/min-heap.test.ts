import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/schedule/min-heap.js';

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('MinHeap', () => {
  it('pops items in the order of their keys, pushes and pops interleaved, past its first growth', () => {
    const random = lcg(7);
    const heap = new MinHeap<{ key: number }>();
    const model: number[] = [];
    for (let step = 0; step < 5000; step++) {
      if (random() < 0.6 || model.length === 0) {
        // Few distinct keys, so ties are common (probes of one tick share a due time).
        const key = Math.floor(random() * 300);
        heap.push({ key }, key);
        model.push(key);
      } else {
        model.sort((a, b) => a - b);
        expect(heap.peek()?.key).toBe(model[0]);
        expect(heap.pop()?.key).toBe(model.shift());
      }
      expect(heap.size).toBe(model.length);
    }
    const drained: number[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) drained.push(item.key);
    expect(drained).toEqual(model.sort((a, b) => a - b));
  });

  it('is empty after clear() and after its last pop, and takes items again', () => {
    const heap = new MinHeap<string>();
    expect(heap.pop()).toBeUndefined();
    heap.push('b', 2);
    heap.push('a', 1);
    expect(heap.pop()).toBe('a');
    expect(heap.pop()).toBe('b');
    expect(heap.peek()).toBeUndefined();
    for (let i = 0; i < 100; i++) heap.push(`x${i}`, 100 - i);
    heap.clear();
    expect(heap.size).toBe(0);
    heap.push('c', Infinity);
    heap.push('d', -1);
    expect([heap.pop(), heap.pop(), heap.size]).toEqual(['d', 'c', 0]);
  });
});
