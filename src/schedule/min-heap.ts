// A binary min-heap, so one timer can serve every pending probe of a large fleet instead of one
// timer per target.
//
// Keys live in a Float64Array beside the items: sifting compares numbers in one contiguous array
// instead of reading a field of objects scattered over the heap. With 50,000 pending probes a pop
// took ~14 µs of cache misses in a loop that did nothing else (docs/performance.md, 2026-12-04, night).

export class MinHeap<T> {
  private readonly items: T[] = [];
  private keys = new Float64Array(64);

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T, key: number): void {
    const { items } = this;
    let i = items.length;
    if (i === this.keys.length) {
      const grown = new Float64Array(i * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  pop(): T | undefined {
    const { items, keys } = this;
    const top = items[0];
    const n = items.length - 1;
    if (n <= 0) {
      items.length = 0;
      return top;
    }
    const item = items.pop()!;
    const key = keys[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      items[i] = items[child]!;
      i = child;
    }
    keys[i] = key;
    items[i] = item;
    return top;
  }

  clear(): void {
    this.items.length = 0;
    this.keys = new Float64Array(64);
  }
}
