// One target's series rendered straight to text lines, family by family, then packed into one
// UTF-8 buffer with the byte offset of each family. A scrape copies byte ranges out of these
// buffers instead of joining tens of MB of strings: off the V8 heap, nothing for the garbage
// collector to trace, and no UTF-8 encoding of the whole exposition on every scrape.
import type { MetricDefinition } from './metric-definitions.js';
import { escapeLabelValue, formatValue, layoutOf, type Layout, type SeriesSink, type SharedLabels } from './series-buffer.js';

/** Families and their layouts, computed once per family list (not once per target). */
export class FragmentPlan {
  readonly index = new Map<string, number>();
  readonly layouts: readonly Layout[];
  readonly opens: readonly string[];

  constructor(readonly families: readonly MetricDefinition[]) {
    families.forEach((d, i) => this.index.set(d.name, i));
    this.layouts = families.map(layoutOf);
    this.opens = families.map((d, i) => (this.layouts[i]!.shared || this.layouts[i]!.names.length > 0 ? `${d.name}{` : d.name));
  }
}

export interface Fragment {
  /** Every family's sample lines, one after the other, then unused room. */
  readonly bytes: Buffer;
  /** Family i is bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
}

/** Room left after a fragment's text so the next render of the same target (timings a digit longer) fits. */
const SLACK_BYTES = 128;

export class FragmentWriter implements SeriesSink {
  private readonly text: string[];

  constructor(private readonly plan: FragmentPlan) {
    this.text = plan.families.map(() => '');
  }

  /** The same contract as SeriesBuffer.add: the table's labels, in order, after the shared ones. */
  add(def: MetricDefinition, shared: SharedLabels | null, value: number, ...labels: string[]): void {
    const i = this.plan.index.get(def.name);
    if (i === undefined) throw new Error(`metric ${def.name} is not part of this buffer`);
    const layout = this.plan.layouts[i]!;
    if (layout.shared !== (shared !== null)) throw new Error(`metric ${def.name}: shared labels mismatch`);
    const n = layout.names.length;
    if (labels.length !== n) throw new Error(`metric ${def.name} takes labels ${layout.names.join(', ')}`);
    let line = this.plan.opens[i]!;
    if (shared !== null) line += shared.text;
    for (let k = 0; k < n; k++) line += layout.before[k]! + escapeLabelValue(labels[k]!);
    this.text[i] += `${line}${layout.close}${formatValue(value)}\n`;
  }

  /**
   * The rendered text as a fragment: written over `reuse` (its bytes and offsets, in place) when
   * it fits there, else into a new one. Reusing a target's buffer probe after probe keeps the
   * external memory and the objects around it from being garbage once per probe.
   */
  finish(reuse?: Fragment): Fragment {
    const count = this.text.length;
    let total = 0;
    for (let i = 0; i < count; i++) total += Buffer.byteLength(this.text[i]!);
    // Not from the shared pool: a cached fragment must not pin an 8 KB pool slab.
    const fits = reuse !== undefined && reuse.bytes.length >= total && reuse.offsets.length === count + 1;
    const fragment = fits ? reuse : { bytes: Buffer.allocUnsafeSlow(total + SLACK_BYTES), offsets: new Uint32Array(count + 1) };
    let at = 0;
    for (let i = 0; i < count; i++) {
      fragment.offsets[i] = at;
      at += fragment.bytes.write(this.text[i]!, at, 'utf8');
    }
    fragment.offsets[count] = at;
    return fragment;
  }
}
