// The MTA-STS policy file (RFC 8461 §3.2), parsed strictly:
//   sts-policy-record = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
//   sts-policy-term   = LF / CRLF
//   sts-policy-field  = name ":" *WSP value      ; names case-sensitive, no space before ":"
//   version: STSv1 (once)   mode: enforce|testing|none (once)   max_age: 1*10DIGIT (once, ≤ 31557600)
//   mx: ["*."] Domain (one or more; may be absent in mode none)   other names: ignored, syntax still checked
//   sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]   (vchar: %x21-7E / UTF-8)
// The order of fields is free (the grammar fixes none). Not accepted, though lenient senders may:
// blank lines, a space before ":", a repeated version/mode/max_age — each is an error naming its line.
import { FIELD_NAME } from './tag-list-record.js';

export interface MtaStsPolicy {
  version: 'STSv1';
  mode: 'enforce' | 'testing' | 'none';
  /** As published, in order: host names or `*.` wildcards. */
  mx: string[];
  max_age: number;
}

/** RFC 8461 §3.2: "maximum value of 31557600" (one year). */
export const MAX_AGE_LIMIT = 31_557_600;

const MODES: readonly string[] = ['enforce', 'testing', 'none'];
const SINGLE = ['version', 'mode', 'max_age'] as const;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
/** ["*."] Domain, with Domain from RFC 5321 §4.1.2. */
const MX_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);
/** A value: printable ASCII or non-ASCII, inner spaces allowed, no tab or control character. */
const VALUE = /^[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?$/u;

export type PolicyParse = { policy: MtaStsPolicy; error: null } | { policy: null; error: string };

function fail(error: string): PolicyParse {
  return { policy: null, error };
}

export function parseMtaStsPolicy(text: string): PolicyParse {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // the optional final terminator
  const single = new Map<string, { value: string; line: number }>();
  const mx: string[] = [];
  for (const [i, raw] of lines.entries()) {
    const at = `line ${i + 1}`;
    const colon = raw.indexOf(':');
    const name = colon < 0 ? raw : raw.slice(0, colon);
    if (colon < 0 || !FIELD_NAME.test(name)) return fail(`${at}: ${JSON.stringify(raw.slice(0, 80))} is not "name: value"`);
    const value = raw.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!VALUE.test(value)) return fail(`${at}: ${name} has an empty or invalid value ${JSON.stringify(value.slice(0, 80))}`);
    if (name === 'mx') {
      if (!MX_PATTERN.test(value)) return fail(`${at}: mx ${JSON.stringify(value)} is not a host name or *.wildcard`);
      mx.push(value);
    } else if ((SINGLE as readonly string[]).includes(name)) {
      const first = single.get(name);
      if (first !== undefined) return fail(`${at}: ${name} appears again (first on line ${first.line})`);
      single.set(name, { value, line: i + 1 });
    }
  }
  const version = single.get('version');
  const mode = single.get('mode');
  const maxAge = single.get('max_age');
  if (version === undefined) return fail('version: STSv1 is missing');
  if (version.value !== 'STSv1') return fail(`line ${version.line}: version must be STSv1, not ${JSON.stringify(version.value)}`);
  if (mode === undefined) return fail('mode is missing');
  if (!MODES.includes(mode.value)) return fail(`line ${mode.line}: mode must be enforce, testing or none, not ${JSON.stringify(mode.value)}`);
  if (maxAge === undefined) return fail('max_age is missing');
  if (!/^[0-9]{1,10}$/.test(maxAge.value) || Number(maxAge.value) > MAX_AGE_LIMIT) {
    return fail(`line ${maxAge.line}: max_age must be an integer from 0 to ${MAX_AGE_LIMIT}, not ${JSON.stringify(maxAge.value)}`);
  }
  if (mx.length === 0 && mode.value !== 'none') return fail(`mode ${mode.value} needs at least one mx line`);
  return { policy: { version: 'STSv1', mode: mode.value as MtaStsPolicy['mode'], mx, max_age: Number(maxAge.value) }, error: null };
}
