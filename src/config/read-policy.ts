// `policy:` (issue 11): whether a watched domain's MTA-STS policy (RFC 8461) and its MX hosts' DANE
// TLSA records (RFC 7672) are checked, the extra CA trusted for the policy fetch, and its deadline.
// Layered like `dns:` — top level, then a group, then a domain, key by key.
import type { Node } from 'yaml';
import type { PolicySettings } from './types.js';
import { readCaFile } from './read-probe-layer.js';
import { MAX_TIMEOUT_SECONDS } from './duration.js';
import { childPath, type NodeReader } from './node-reader.js';

export const DEFAULT_POLICY: PolicySettings = {
  mta_sts: true,
  dane: true,
  ca_file: null,
  fetch_timeout_seconds: 10,
};

export const POLICY_KEYS = ['mta_sts', 'dane', 'ca_file', 'fetch_timeout'] as const;

/** `policy:` at the top level, a group's or a domain's override of it (`base` is what it overrides). */
export function readPolicy(r: NodeReader, node: Node | null, path: string, base: PolicySettings): PolicySettings {
  const out = { ...base };
  const entries = r.map(node, path, POLICY_KEYS);
  if (entries === undefined) return out;
  const at = (key: string): [Node | null, string] => [entries.get(key)?.value ?? null, childPath(path, key)];
  if (entries.has('mta_sts')) out.mta_sts = r.boolean(...at('mta_sts')) ?? out.mta_sts;
  if (entries.has('dane')) out.dane = r.boolean(...at('dane')) ?? out.dane;
  if (entries.has('ca_file')) {
    const [n, p] = at('ca_file');
    // null turns a CA set further up off again for this group or domain.
    out.ca_file = r.isNull(n) ? null : (readCaFile(r, n, p) ?? out.ca_file);
  }
  if (entries.has('fetch_timeout')) out.fetch_timeout_seconds = r.duration(...at('fetch_timeout'), true, MAX_TIMEOUT_SECONDS) ?? out.fetch_timeout_seconds;
  return out;
}
