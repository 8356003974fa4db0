// A small parser for the Prometheus 0.0.4 text format, enough for tests to look series up by
// name and labels instead of matching text.
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Parsed {
  samples: ParsedSample[];
  help: Map<string, string>;
  type: Map<string, string>;
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function unescapeLabel(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(text: string): Parsed {
  const out: Parsed = { samples: [], help: new Map(), type: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) {
      // One exposition names each family once: a second HELP means two renderings were stitched together.
      if (out.help.has(m[1]!)) throw new Error(`family ${m[1]} appears twice`);
      out.help.set(m[1]!, m[2]!);
      continue;
    }
    m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) {
      out.type.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (const lm of (m[2] ?? '').matchAll(labelRe)) labels[lm[1]!] = unescapeLabel(lm[2]!);
    out.samples.push({ name: m[1]!, labels, value: parseValue(m[3]!) });
  }
  return out;
}

/** The samples of `name` whose labels include every pair in `labels`. */
export function find(parsed: Parsed, name: string, labels: Record<string, string> = {}): ParsedSample[] {
  return parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
