// Typed reading of YAML nodes that records, instead of throwing, every problem with its line and
// path. Each reader returns undefined after reporting, so the caller carries on and finds the rest.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { closestKey } from './closest-key.js';
import type { ConfigProblem } from './config-error.js';
import { formatDuration, readDuration } from './duration.js';

export interface Entry {
  key: Node;
  /** null for `key:` with nothing after it when the parser gives no node at all. */
  value: Node | null;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** How a value looks to the person who wrote it, for "expected X, got Y". */
function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    if (typeof v === 'string') return `string "${v}"`;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  }
  return 'a value of another kind';
}

export class NodeReader {
  readonly problems: ConfigProblem[] = [];

  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
    private readonly doc: Document,
  ) {}

  lineOf(node: Node | null | undefined): number | null {
    const offset = node?.range?.[0];
    return offset === undefined ? null : this.lineCounter.linePos(offset).line;
  }

  /** `at` is the node the problem is about, or a line number when there is no node (e.g. a missing key). */
  report(at: Node | null | number | undefined, path: string, message: string): void {
    const line = typeof at === 'number' ? at : this.lineOf(at);
    this.problems.push({ file: this.file, line: line ?? 1, path, message });
  }

  /** Follows `*alias` to its anchor, so anchors work everywhere without the caller knowing. */
  resolve(node: Node | null | undefined): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  isNull(node: Node | null): boolean {
    const n = this.resolve(node);
    return n === null || (isScalar(n) && n.value === null);
  }

  /**
   * A mapping whose keys must come from `allowed`. An empty value (`tls:` with every line commented
   * out) reads as an empty mapping, because that is how a documented example file is usually left.
   */
  map(
    node: Node | null,
    path: string,
    allowed: readonly string[],
    misplaced: Readonly<Record<string, string>> = {},
  ): Map<string, Entry> | undefined {
    const n = this.resolve(node);
    const out = new Map<string, Entry>();
    if (this.isNull(n)) return out;
    if (!isMap(n)) {
      this.report(n, path, `expected a mapping, got ${describe(n)}`);
      return undefined;
    }
    for (const pair of n.items) {
      const keyNode = this.resolve(pair.key as Node | null);
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' || keyNode === null) {
        this.report(keyNode ?? n, path, `keys must be strings, got ${describe(keyNode)}`);
        continue;
      }
      if (!allowed.includes(key)) {
        // hasOwn: a key such as "constructor" must not find Object.prototype's.
        const why = Object.hasOwn(misplaced, key) ? misplaced[key] : undefined;
        if (why !== undefined) {
          this.report(keyNode, path, `"${key}" is not allowed here: ${why}`);
        } else {
          const guess = closestKey(key, allowed);
          const list = allowed.join(', ');
          const hint = guess === null ? `; allowed keys: ${list}` : `; did you mean "${guess}"? Allowed keys: ${list}`;
          this.report(keyNode, path, `unknown key "${key}"${hint}`);
        }
        continue;
      }
      out.set(key, { key: keyNode, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  /** A missing required key is reported at the mapping that lacks it. */
  required(entries: Map<string, Entry>, key: string, mapNode: Node | null, path: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) this.report(this.resolve(mapNode), path, `missing required key "${key}"`);
    return entry;
  }

  seq(node: Node | null, path: string): Array<Node | null> | undefined {
    const n = this.resolve(node);
    if (!isSeq(n)) {
      this.report(n, path, `expected a list, got ${describe(n)}`);
      return undefined;
    }
    return n.items.map((item) => this.resolve(item as Node | null));
  }

  string(node: Node | null, path: string): string | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === 'string') {
      if (n.value === '') {
        this.report(n, path, 'must not be empty');
        return undefined;
      }
      return n.value;
    }
    this.report(n, path, `expected a string, got ${describe(n)}`);
    return undefined;
  }

  boolean(node: Node | null, path: string): boolean | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === 'boolean') return n.value;
    this.report(n, path, `expected true or false, got ${describe(n)}`);
    return undefined;
  }

  integer(node: Node | null, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value) && !Number.isSafeInteger(n.value)) {
      // Past 2^53 the number YAML hands over is no longer the one written: say so, not "not an integer".
      const bound = max === Number.MAX_SAFE_INTEGER ? '' : ` (at most ${max})`;
      this.report(n, path, `is too large${bound}, got ${n.source ?? n.value}`);
      return undefined;
    }
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isSafeInteger(n.value)) {
      this.report(n, path, `expected an integer, got ${describe(n)}`);
      return undefined;
    }
    if (n.value < min || n.value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min}–${max}`;
      this.report(n, path, `must be ${range}, got ${n.value}`);
      return undefined;
    }
    return n.value;
  }

  /**
   * Seconds. `positive` rejects `0`, for values where zero would mean "never" or "instantly";
   * `max` is the longest value that makes sense for the field (and that Node's timers can hold).
   */
  duration(node: Node | null, path: string, positive: boolean, max = Number.POSITIVE_INFINITY): number | undefined {
    const n = this.resolve(node);
    const example = 'a duration such as "10s", "1m30s" or "1h"';
    // A bare 0 needs no unit (Prometheus reads it so too); YAML hands it over as a number.
    const zero = isScalar(n) && n.value === 0;
    if (isScalar(n) && typeof n.value === 'number' && !zero) {
      this.report(n, path, `expected ${example}, got number ${n.value} (add a unit, e.g. "${n.value}s")`);
      return undefined;
    }
    if (!isScalar(n) || (typeof n.value !== 'string' && !zero)) {
      this.report(n, path, `expected ${example}, got ${describe(n)}`);
      return undefined;
    }
    const parsed = zero ? { seconds: 0 } : readDuration(String(n.value));
    const bound = Number.isFinite(max) ? ` (at most ${formatDuration(max)})` : '';
    if ('problem' in parsed) {
      const message = {
        syntax: `expected ${example} (units y, w, d, h, m, s, ms, largest first), got "${n.value}"`,
        negative: `must not be negative, got "${n.value}"`,
        too_large: `is too large${bound}, got "${n.value}"`,
      }[parsed.problem];
      this.report(n, path, message);
      return undefined;
    }
    const seconds = parsed.seconds;
    if (seconds > max) {
      this.report(n, path, `must be at most ${formatDuration(max)}, got "${n.value}"`);
      return undefined;
    }
    if (positive && seconds === 0) {
      this.report(n, path, 'must be longer than 0s');
      return undefined;
    }
    return seconds;
  }

  oneOf<T extends string>(node: Node | null, path: string, values: readonly T[]): T | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === 'string' && (values as readonly string[]).includes(n.value)) {
      return n.value as T;
    }
    const got = isScalar(n) && typeof n.value === 'string' ? `"${n.value}"` : describe(n);
    this.report(n, path, `must be one of ${values.join(', ')}; got ${got}`);
    return undefined;
  }
}
