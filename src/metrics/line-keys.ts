// The label part of a cached line, stored once for all targets. In a fleet, the lines of a family
// differ from target to target mostly by their value: `,phase="connect"} `, `,extension="SIZE",
// tls="true"} ` or `} ` are the same bytes in every target's text. A fragment (series-writer.ts)
// holds such a line as a two-byte key id and its value; the scrape copies the key's bytes back.
// 10,000 targets like mx1: 1.48 KB of fragment per target without keys, 0.57 KB with them (36 keys);
// test/metrics/heap-bench.ts's bytes outside the heap per target 1,819 → 1,073, render and scrape
// CPU within their spread (record-bench.ts, scrape-bench.ts).
//
// The label values come from a vocabulary shared across the fleet (phases, stages, extension
// keywords, mechanisms, TLS versions), but some are the server's word, so the table is capped:
// once full, a new key is written out in the line itself (inline), which costs bytes, not
// correctness. Keys are never removed: a scrape may still be copying a fragment written with any
// of them, and a cap of a few thousand short keys costs less than tracking which are still used.

/** Key ids fit two bytes below 0x80 each (see keyIdText): well above a real fleet's few hundred keys. */
export const MAX_LINE_KEYS = 4096;

/** A line's first byte when its key is written out in the line (not in the table). */
export const INLINE_KEY = 0;

/** A family's label values so far, one level per label; `start` once the whole key was seen. */
interface KeyNode {
  /** The line's first two characters (keyIdText), or null when the table was full. */
  start?: string | null;
  next?: Map<string, KeyNode>;
}

/** The keys of one FamilyPlan's lines (families are told apart by their index in it). */
export class LineKeys {
  readonly #ids = new Map<string, number>();
  /** Per family, its label values to the key's line start: no key text is built for a key seen before. */
  readonly #families: KeyNode[] = [];
  /** Each key's UTF-8 bytes, by id. */
  readonly bytes: Buffer[] = [];

  constructor(private readonly capacity = MAX_LINE_KEYS) {}

  /**
   * The two characters that start a line of `family` with these label values (keyIdText), the key
   * (`key()`, rendered only when first seen) added if new; null when the table is full without it.
   */
  lineStart(family: number, labels: readonly string[], key: () => string): string | null {
    let node = (this.#families[family] ??= {});
    for (const label of labels) {
      let next = node.next?.get(label);
      if (next === undefined) {
        // A full table takes no new key: nor does the index, which stays as bounded as the table.
        if (this.bytes.length >= this.capacity) return null;
        next = {};
        (node.next ??= new Map()).set(label, next);
      }
      node = next;
    }
    if (node.start === undefined) {
      const id = this.idOf(key());
      node.start = id < 0 ? null : keyIdText(id);
    }
    return node.start;
  }

  /** The key's id, added if new; -1 when the table is full and the key is not in it. */
  private idOf(key: string): number {
    const held = this.#ids.get(key);
    if (held !== undefined) return held;
    if (this.bytes.length >= this.capacity) return -1;
    const id = this.bytes.length;
    this.bytes.push(Buffer.from(key, 'utf8'));
    this.#ids.set(key, id);
    return id;
  }
}

/**
 * A key id as the two characters that start its line, each below 0x80 so that it is one byte of
 * UTF-8: 1 + id / 128 (never INLINE_KEY), then id % 128.
 */
export function keyIdText(id: number): string {
  return String.fromCharCode(1 + (id >> 7), id & 0x7f);
}

/** The id of a line that starts with `first` and `second` (first is not INLINE_KEY). */
export function keyIdAt(first: number, second: number): number {
  return ((first - 1) << 7) | second;
}
