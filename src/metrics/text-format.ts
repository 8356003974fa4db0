// The Prometheus text format 0.0.4, piece by piece: label and HELP escaping, values, a family's
// HELP/TYPE header, and the fixed pieces of a family's sample lines (`{`, `,extension="`, `"} `).
// Both the cached per-target text and the fresh per-scrape families are written from these.
import type { MetricDefinition } from './metric-definitions.js';

/** The labels every series of one target carries, escaped and rendered once for all of them. */
export interface SharedLabels {
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
  return { text: `target="${escapeLabelValue(labels.target)}",group="${escapeLabelValue(labels.group)}"` };
}

/** The 0.0.4 text format has no "info" type; info-style metrics are gauges that are always 1. */
export function textType(def: MetricDefinition): 'gauge' | 'counter' {
  return def.type === 'info' ? 'gauge' : def.type;
}

/** HELP and TYPE of one family, as prom-client renders them, each ending in a line feed. */
export function familyHeader(def: MetricDefinition): string {
  return `# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${textType(def)}\n`;
}

/** Text pieces rendered between values: `{`, `,extension="`, `",tls="`, `"} ` and so on. */
export interface Layout {
  shared: boolean;
  /** `name{` or `name` */
  open: string;
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
  const open = shared || names.length > 0 ? `${def.name}{` : def.name;
  return { shared, open, names, before, close };
}
