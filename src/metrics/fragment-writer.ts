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
  /** Every family's sample lines, one after the other. */
  readonly bytes: Buffer;
  /** Family i is bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
}

export class FragmentWriter implements SeriesSink {
  private readonly text: string[];

  constructor(private readonly plan: FragmentPlan) {
    this.text = plan.families.map(() => '');
  }

  /** The same contract as SeriesBuffer.add: the table's labels, in order, after the shared ones. */
  add(def: MetricDefinition, shared: SharedLabels | null, value: number, a?: string, b?: string, c?: string): void {
    const i = this.plan.index.get(def.name);
    if (i === undefined) throw new Error(`metric ${def.name} is not part of this buffer`);
    const layout = this.plan.layouts[i]!;
    if (layout.shared !== (shared !== null)) throw new Error(`metric ${def.name}: shared labels mismatch`);
    const n = layout.names.length;
    const given = (a === undefined ? 0 : 1) + (b === undefined ? 0 : 1) + (c === undefined ? 0 : 1);
    if (given !== n) throw new Error(`metric ${def.name} takes labels ${layout.names.join(', ')}`);
    let line = this.plan.opens[i]!;
    if (shared !== null) line += shared.text;
    if (n > 0) line += layout.before[0]! + escapeLabelValue(a!);
    if (n > 1) line += layout.before[1]! + escapeLabelValue(b!);
    if (n > 2) line += layout.before[2]! + escapeLabelValue(c!);
    this.text[i] += `${line}${layout.close}${formatValue(value)}\n`;
  }

  finish(): Fragment {
    const offsets = new Uint32Array(this.text.length + 1);
    let total = 0;
    for (let i = 0; i < this.text.length; i++) {
      offsets[i] = total;
      total += Buffer.byteLength(this.text[i]!);
    }
    offsets[this.text.length] = total;
    // Not from the shared pool: a cached fragment must not pin an 8 KB pool slab.
    const bytes = Buffer.allocUnsafeSlow(total);
    for (let i = 0; i < this.text.length; i++) bytes.write(this.text[i]!, offsets[i]!, 'utf8');
    return { bytes, offsets };
  }
}
