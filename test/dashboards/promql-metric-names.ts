// The metric names a PromQL expression selects, found by stripping what cannot be a metric name
// (strings, label matchers, ranges, grouping label lists, offsets, numbers) and dropping function calls
// and keywords. Good enough for the expressions we ship; promtool checks that they parse at all.

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
]);

/** Names that any Prometheus has without an exporter defining them. */
export const STANDARD_METRICS: ReadonlySet<string> = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

export function metricNamesIn(expr: string): string[] {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  s = s.replace(/\boffset\s+-?[0-9][0-9a-z]*/gi, ' ');
  s = s.replace(/@\s*(?:start\(\)|end\(\)|[0-9.]+)/g, ' ');
  // Numbers, including 1e300, 0x1F and durations used as numbers; not the digits inside a name.
  s = s.replace(/(^|[^A-Za-z0-9_:])(?:0x[0-9a-f]+|[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?[a-z]*)/gi, '$1 ');

  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = s.slice((m.index ?? 0) + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** PromQL queries inside alert annotation templates: the format strings given to `printf ... | query`. */
export function templateQueries(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/printf\s+"((?:[^"\\]|\\.)*)"/g)) {
    const raw = m[1] ?? '';
    // Go's %q becomes a quoted label value; the escaped quotes are Go string escapes.
    out.push(raw.replace(/\\"/g, '"').replace(/%q/g, '"x"'));
  }
  for (const m of template.matchAll(/\bquery\s+"((?:[^"\\]|\\.)*)"/g)) {
    out.push((m[1] ?? '').replace(/\\"/g, '"'));
  }
  return out;
}
