// The `v=…; name=value; …` TXT record shape that MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3)
// share, written once:
//   record     = version 1*(field-delim field) [field-delim]
//   field-delim = *WSP ";" *WSP
//   ext-name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   ext-value  = 1*(%x21-3A / %x3C / %x3E-7E)        ; no "=", ";", space or control character
// and the rule both RFCs give for the RRset: records that do not begin with the version are
// discarded; if not exactly one remains, the domain has no (usable) record.
import type { DnsLookup, TxtRecord } from './dns-lookup.js';
import { dnsFailure, isNoData } from './resolve-domain.js';

/** Also the policy file's field-name grammar (RFC 8461 §3.2 sts-policy-ext-name). */
export const FIELD_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
export const EXTENSION_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

export interface TagField {
  name: string;
  value: string;
}

/** `fields` null with `error` null: no record with this version at all. */
export interface TagListRecord {
  text: string | null;
  fields: TagField[] | null;
  error: string | null;
}

const WSP = /^[ \t]+|[ \t]+$/g;

/**
 * A record is a candidate when its text up to the first ";" is the version ("v=STSv1", trailing WSP
 * allowed). RFC 8461 says records not beginning with "v=STSv1;" are discarded, yet its own
 * field-delim allows WSP before the ";" (erratum 6285): we follow the grammar, so "v=STSv1 ; id=1"
 * counts, and "v=STSv1" alone is reported as invalid rather than silently discarded.
 */
function hasVersion(text: string, version: string): boolean {
  return text.split(';', 1)[0]!.replace(/[ \t]+$/, '') === version;
}

/** Splits one record's text (known to begin with the version) into its fields, or says what breaks the grammar. */
export function splitTagList(text: string, version: string): { fields: TagField[]; error: null } | { fields: null; error: string } {
  const parts = text.split(';').slice(1);
  if (parts.length > 0 && parts[parts.length - 1]!.replace(WSP, '') === '') parts.pop(); // the optional final delimiter
  if (parts.length === 0) return { fields: null, error: `"${version}" is followed by no field` };
  const fields: TagField[] = [];
  for (const [i, raw] of parts.entries()) {
    const part = raw.replace(WSP, '');
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (part === '') return { fields: null, error: `field ${i + 1} is empty (";;")` };
    if (eq < 0 || !FIELD_NAME.test(name)) return { fields: null, error: `field ${i + 1} ${JSON.stringify(part)} is not name=value` };
    fields.push({ name, value: part.slice(eq + 1) });
  }
  return { fields, error: null };
}

/**
 * The one record of `answers` that begins with `version`, split into fields. Several such records
 * are an error, as senders treat them (the domain then has no policy/reporting for them).
 */
export function selectTagListRecord(owner: string, answers: readonly TxtRecord[], version: string): TagListRecord {
  const candidates = answers.map((r) => r.strings.join('')).filter((text) => hasVersion(text, version));
  if (candidates.length === 0) return { text: null, fields: null, error: null };
  if (candidates.length > 1) return { text: null, fields: null, error: `${owner}: ${candidates.length} TXT records begin with "${version}"; exactly one is allowed` };
  const text = candidates[0]!;
  const split = splitTagList(text, version);
  return { text, fields: split.fields, error: split.error === null ? null : `${owner}: ${split.error}` };
}

/** The fields named `name`: an error when it is missing or repeated. */
export function onlyField(fields: readonly TagField[], name: string): { value: string; error: null } | { value: null; error: string } {
  const found = fields.filter((f) => f.name === name);
  if (found.length === 1) return { value: found[0]!.value, error: null };
  return { value: null, error: found.length === 0 ? `no ${name}= field` : `${name}= appears ${found.length} times` };
}

/** Extension fields (every field but the named ones) must still follow ext-value. */
export function badExtension(fields: readonly TagField[], known: readonly string[]): string | null {
  const bad = fields.find((f) => !known.includes(f.name) && !EXTENSION_VALUE.test(f.value));
  return bad === undefined ? null : `field ${bad.name}= has an invalid value ${JSON.stringify(bad.value)}`;
}

/** Looks `owner` up and selects its record; no TXT at all (NXDOMAIN or NODATA) is "no record", any other failure an error. */
export async function lookupTagListRecord(lookup: DnsLookup, owner: string, version: string): Promise<TagListRecord> {
  try {
    return selectTagListRecord(owner, await lookup.txt(owner), version);
  } catch (error) {
    const absent = isNoData(error) || (error as { code?: unknown }).code === 'ENOTFOUND';
    return { text: null, fields: null, error: absent ? null : dnsFailure(owner, error).message };
  }
}
