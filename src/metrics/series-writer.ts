// The one writer of sample lines: addTargetSeries, addDomainSeries and the other families written
// from our own state add series here, family by family, and the writer either packs them into a
// cached Fragment (one target's text for /metrics, see target-fragments.ts) or writes them out
// as an exposition with HELP and TYPE (the fresh families of a scrape, and /probe's one target).
//
// A fragment is stored compactly: a line's metric name and `target="…",group="…"` are ~75 of its
// ~95 bytes and the same on every line of a family or target, so a fragment holds the target's
// labels once and each line from its own labels on; and those (`,phase="connect"} `) are mostly the
// same in every target's text too, so they are a key id into a table shared by all targets
// (line-keys.ts), followed by the line's value. The scrape puts the line back together as it copies
// it (ByteSink.writeFragmentLines). 10,000 targets like mx1: 4.2 KB of text per target kept outside
// the heap with whole lines, 1.5 KB without the name and target labels, 0.57 KB with key ids.
import type { MetricDefinition } from './metric-definitions.js';
import { INLINE_KEY, type LineKeys } from './line-keys.js';
import { escapeLabelValue, familyHeader, formatValue, layoutOf, type Layout, type SharedLabels } from './text-format.js';

const INLINE = String.fromCharCode(INLINE_KEY);

/** What addTargetSeries and the other series functions write to. */
export interface SeriesSink {
  /**
   * `shared` for per-target metrics (labels starting with target, group), null otherwise;
   * `labels`: the remaining label values in the table's order.
   */
  add(def: MetricDefinition, shared: SharedLabels | null, value: number, ...labels: string[]): void;
}

/** Where an exposition is written: a ByteSink for /metrics, an array of strings for /probe. */
export interface TextSink {
  writeString(text: string): void;
}

/** Families and their layouts, computed once per family list (not once per target or scrape). */
export class FamilyPlan {
  readonly index = new Map<string, number>();
  readonly layouts: readonly Layout[];
  readonly headers: readonly string[];
  /** Each family's `name{`, UTF-8 encoded, put back before a fragment's lines. */
  readonly opens: readonly Buffer[];
  /** Whether a fragment keeps the family's lines by key id (line-keys.ts). */
  readonly keyed: readonly boolean[];

  /** `unkeyed`: families whose labels describe the one target (its host, its banner), whose keys no other target shares. */
  constructor(
    readonly families: readonly MetricDefinition[],
    unkeyed: readonly MetricDefinition[] = [],
  ) {
    families.forEach((d, i) => this.index.set(d.name, i));
    this.keyed = families.map((d) => !unkeyed.includes(d));
    this.layouts = families.map(layoutOf);
    this.headers = families.map(familyHeader);
    this.opens = this.layouts.map((l) => Buffer.from(l.open));
  }
}

/**
 * One target's cached text in one buffer, so that a target costs one object: a header of byte
 * offsets (uint32, little-endian), the target's labels, every family's lines without their name
 * and target labels one after the other. Read it with fragmentOffset: the labels are
 * [offset 0, offset 1), family i is [offset i + 1, offset i + 2). Each line is its key (the labels
 * after the target's and the closing `} `) as a key id (keyIdText), or INLINE_KEY and the key's
 * text, then the value and a line feed.
 */
export type Fragment = Buffer;

export function fragmentOffset(fragment: Fragment, k: number): number {
  return fragment.readUInt32LE(4 * k);
}

/** A line's own labels and what closes them: `,phase="connect"} `, or `} ` without. */
function labelText(layout: Layout, labels: readonly string[]): string {
  let text = '';
  for (let k = 0; k < labels.length; k++) text += layout.before[k]! + escapeLabelValue(labels[k]!);
  return text + layout.close;
}

export class SeriesWriter implements SeriesSink {
  private readonly text: string[];

  /**
   * With `target`, the writer holds one target's series, every family per-target, and stores lines
   * from their own labels on, keyed in `keys` (inline without), for finish(); without, whole lines,
   * for writeExposition().
   */
  constructor(
    private readonly plan: FamilyPlan,
    private readonly target: SharedLabels | null = null,
    private readonly keys: LineKeys | null = null,
  ) {
    this.text = plan.families.map(() => '');
  }

  add(def: MetricDefinition, shared: SharedLabels | null, value: number, ...labels: string[]): void {
    const i = this.plan.index.get(def.name);
    if (i === undefined) throw new Error(`metric ${def.name} is not part of this writer`);
    const layout = this.plan.layouts[i]!;
    if (layout.shared !== (shared !== null)) throw new Error(`metric ${def.name}: shared labels mismatch`);
    const n = layout.names.length;
    if (labels.length !== n) throw new Error(`metric ${def.name} takes labels ${layout.names.join(', ')}`);
    const rest = `${formatValue(value)}\n`;
    if (this.target === null) {
      const start = shared === null ? layout.open : layout.open + shared.text;
      this.text[i] += start + labelText(layout, labels) + rest;
      return;
    }
    if (shared?.text !== this.target.text) throw new Error(`metric ${def.name}: a series of another target in ${this.target.text}'s fragment`);
    const start = this.keys !== null && this.plan.keyed[i] ? this.keys.lineStart(i, labels, () => labelText(layout, labels)) : null;
    this.text[i] += (start ?? INLINE + labelText(layout, labels)) + rest;
  }

  /**
   * The families as exposition text, in the plan's order: HELP, TYPE, then the sample lines, a
   * blank line between families (prom-client's layout). `skipEmpty` leaves out families without
   * samples (/probe); /metrics keeps them, so a family's HELP is there before its first series.
   * Returns whether anything was written.
   */
  writeExposition(out: TextSink, skipEmpty = false): boolean {
    if (this.target !== null) throw new Error('a one-target fragment writer holds lines without their names; use finish()');
    let first = true;
    for (let i = 0; i < this.text.length; i++) {
      if (skipEmpty && this.text[i] === '') continue;
      if (!first) out.writeString('\n');
      first = false;
      out.writeString(this.plan.headers[i]!);
      out.writeString(this.text[i]!);
    }
    return !first;
  }

  /**
   * The sample lines as a new fragment, in bytes that `allocate` gives (fragment-slabs.ts). Never
   * written over afterwards: a scrape that captured the previous one keeps reading it while this
   * one is cached (exporter-registry.ts).
   */
  finish(allocate: (bytes: number) => Buffer = Buffer.allocUnsafeSlow): Fragment {
    if (this.target === null) throw new Error('only a one-target writer makes a fragment');
    const count = this.text.length;
    const labels = this.target.text;
    const head = 4 * (count + 2);
    let total = head + Buffer.byteLength(labels);
    for (let i = 0; i < count; i++) total += Buffer.byteLength(this.text[i]!);
    // Not from Buffer's shared pool by default: a cached fragment must not pin an 8 KB pool slab.
    const fragment = allocate(total);
    fragment.writeUInt32LE(head, 0);
    let at = head + fragment.write(labels, head, 'utf8');
    for (let i = 0; i < count; i++) {
      fragment.writeUInt32LE(at, 4 * (i + 1));
      at += fragment.write(this.text[i]!, at, 'utf8');
    }
    fragment.writeUInt32LE(at, 4 * (count + 1));
    return fragment;
  }
}
