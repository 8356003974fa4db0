// The series of one scrape, kept as parallel arrays per metric and rendered straight to the
// Prometheus 0.0.4 text format. A scrape of 10,000 targets is ~500,000 series: a label object and
// a formatted line per sample (prom-client's generic path) spent most of the scrape in the
// garbage collector. Here label values are stored by position and the text is assembled from
// shared pieces (metric name, a target's pre-rendered `target=…,group=…`) joined once per chunk.
import type { MetricDefinition } from './metric-definitions.js';

export type LabelSet = Record<string, string>;

/** The labels every series of one target carries, escaped and rendered once for all of them. */
export interface SharedLabels {
  readonly labels: LabelSet;
  /** e.g. `target="mx:25",group="mx"` */
  readonly text: string;
}

/** Label names that families of per-target metrics take from SharedLabels. */
const SHARED_NAMES = ['target', 'group'] as const;

const NEEDS_ESCAPE = /[\\"\n]/;

/** Label value escaping of the text format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** HELP text escaping: backslash and line feed only. */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (value === 1) return '1';
  if (value === 0) return '0';
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return `${value}`;
}

export function sharedLabels(labels: { target: string; group: string }): SharedLabels {
  return {
    labels,
    text: `target="${escapeLabelValue(labels.target)}",group="${escapeLabelValue(labels.group)}"`,
  };
}

/** What addTargetSeries writes to: a SeriesBuffer, or a FragmentWriter that renders text at once. */
export interface SeriesSink {
  add(def: MetricDefinition, shared: SharedLabels | null, value: number, ...labels: string[]): void;
}

/** Text pieces rendered between values: `{`, `,extension="`, `",tls="`, `"} ` and so on. */
export interface Layout {
  shared: boolean;
  /** Label names stored by position (not shared). */
  names: readonly string[];
  /** Piece before each positional value. */
  before: readonly string[];
  /** Piece after the last label (or after the shared text), before the value. */
  close: string;
}

export function layoutOf(def: MetricDefinition): Layout {
  const shared = SHARED_NAMES.every((n, i) => def.labels[i] === n);
  const names = shared ? def.labels.slice(SHARED_NAMES.length) : [...def.labels];
  const before = names.map((n, i) => (i === 0 ? `${shared ? ',' : ''}${n}="` : `",${n}="`));
  const close = names.length > 0 ? '"} ' : shared ? '} ' : ' ';
  return { shared, names, before, close };
}

class Family {
  readonly layout: Layout;
  readonly values: number[] = [];
  readonly shared: (SharedLabels | null)[] = [];
  readonly columns: string[][];
  constructor(readonly def: MetricDefinition) {
    this.layout = layoutOf(def);
    this.columns = this.layout.names.map(() => []);
  }
}

export interface SampleValue {
  labels: LabelSet;
  value: number;
}

/** Pieces joined into one string at a time; keeps the pieces array small. */
const CHUNK_PIECES = 16_384;

export class SeriesBuffer implements SeriesSink {
  private readonly families = new Map<string, Family>();

  constructor(definitions: readonly MetricDefinition[]) {
    for (const d of definitions) this.families.set(d.name, new Family(d));
  }

  /**
   * `shared` for per-target metrics (labels starting with target, group), null otherwise;
   * `labels`: the remaining label values in the table's order.
   */
  add(def: MetricDefinition, shared: SharedLabels | null, value: number, ...labels: string[]): void {
    const f = this.families.get(def.name);
    if (f === undefined) throw new Error(`metric ${def.name} is not part of this buffer`);
    if (f.layout.shared !== (shared !== null)) throw new Error(`metric ${def.name}: shared labels mismatch`);
    const cols = f.columns;
    if (labels.length !== cols.length) {
      throw new Error(`metric ${def.name} takes labels ${f.layout.names.join(', ')}`);
    }
    f.values.push(value);
    f.shared.push(shared);
    for (let k = 0; k < cols.length; k++) cols[k]!.push(labels[k]!);
  }

  size(name: string): number {
    return this.families.get(name)?.values.length ?? 0;
  }

  /** The samples as plain objects (prom-client's get() shape): the slow path, for JSON and tests. */
  samples(name: string): SampleValue[] {
    const f = this.families.get(name);
    if (f === undefined) return [];
    return f.values.map((value, i) => {
      const labels: LabelSet = { ...f.shared[i]?.labels };
      f.layout.names.forEach((n, k) => {
        labels[n] = f.columns[k]![i]!;
      });
      return { labels, value };
    });
  }

  /** HELP and TYPE of one family, as prom-client's Registry renders them, each ending in a line feed. */
  static header(def: MetricDefinition, type: string): string {
    return `# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${type}\n`;
  }

  /** Appends one family in prom-client's layout: HELP, TYPE, one line per sample. */
  renderInto(out: string[], name: string, type: string): void {
    const f = this.families.get(name);
    if (f === undefined) throw new Error(`metric ${name} is not part of this buffer`);
    out.push(SeriesBuffer.header(f.def, type));
    this.renderSamples(out, name);
  }

  /** Appends the sample lines of one family (each ending in a line feed), as strings of bounded size. */
  renderSamples(out: string[], name: string): void {
    const f = this.families.get(name);
    if (f === undefined) throw new Error(`metric ${name} is not part of this buffer`);
    const { def, layout, values, shared, columns } = f;
    if (values.length === 0) return;
    let pieces: string[] = [];
    const open = layout.shared || layout.names.length > 0 ? `${def.name}{` : def.name;
    const { before, close } = layout;
    const n = columns.length;
    for (let i = 0; i < values.length; i++) {
      pieces.push(open);
      if (layout.shared) pieces.push(shared[i]!.text);
      for (let k = 0; k < n; k++) pieces.push(before[k]!, escapeLabelValue(columns[k]![i]!));
      pieces.push(close, formatValue(values[i]!), '\n');
      if (pieces.length >= CHUNK_PIECES) {
        out.push(pieces.join(''));
        pieces = [];
      }
    }
    out.push(pieces.join(''));
  }
}
