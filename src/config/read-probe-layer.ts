// One layer of overridable probe settings — `defaults`, a group, or a long-form target all accept
// the same keys — read into a partial that resolve-targets.ts merges, most specific last.
import { dirname, resolve } from 'node:path';
import type { Node } from 'yaml';
import { isEhloKeyword, MAX_KEYWORD_LENGTH } from '../smtp/grammar.js';
import type { StartTlsMode } from '../smtp/types.js';
import type { Expectations, TlsSettings } from './types.js';
import { FileReadError } from './bounded-file.js';
import { readCaBundle } from './ca-bundle.js';
import { cronProblem } from './cron-schedule.js';
import { MAX_TIMEOUT_SECONDS } from './duration.js';
import { isHeloName, isHostname } from './host-syntax.js';
import { childPath, type Entry, type NodeReader } from './node-reader.js';

export interface ProbeLayer {
  schedule?: string;
  timeout_seconds?: number;
  helo_name?: string;
  starttls?: StartTlsMode;
  implicit_tls?: boolean;
  tls: Partial<TlsSettings>;
  expect: Expectations;
  /** Where `expect:` was written, so a clash between expectations is reported on that line. */
  expectNode?: Node | null;
}

export const LAYER_KEYS = ['schedule', 'timeout', 'helo_name', 'starttls', 'implicit_tls', 'tls', 'expect'] as const;
const TLS_KEYS = ['server_name', 'ca_file', 'fail_on_verify_error', 'min_version'] as const;
const EXPECT_KEYS = ['starttls', 'min_size_bytes', 'required_extensions', 'forbidden_extensions', 'auth_requires_tls'] as const;
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

export function emptyLayer(): ProbeLayer {
  return { tls: {}, expect: {} };
}

/** Reads the layer keys present in `entries`; other keys are the caller's. */
export function readProbeLayer(r: NodeReader, entries: Map<string, Entry>, path: string): ProbeLayer {
  const layer = emptyLayer();
  const at = (key: string): [Node | null, string] => [entries.get(key)?.value ?? null, childPath(path, key)];

  if (entries.has('schedule')) {
    const [node, p] = at('schedule');
    const expr = r.string(node, p);
    const problem = expr === undefined ? null : cronProblem(expr);
    if (problem !== null) r.report(r.resolve(node), p, problem);
    else if (expr !== undefined) layer.schedule = expr;
  }
  if (entries.has('timeout')) layer.timeout_seconds = r.duration(...at('timeout'), true, MAX_TIMEOUT_SECONDS);
  if (entries.has('helo_name')) {
    const [node, p] = at('helo_name');
    const name = r.string(node, p);
    if (name !== undefined && !isHeloName(name)) {
      r.report(r.resolve(node), p, `"${name}" is not a domain name or an address literal such as [192.0.2.1]`);
    } else if (name !== undefined) layer.helo_name = name;
  }
  if (entries.has('starttls')) layer.starttls = r.oneOf(...at('starttls'), ['auto', 'never', 'required'] as const);
  if (entries.has('implicit_tls')) layer.implicit_tls = r.boolean(...at('implicit_tls'));
  if (entries.has('tls')) layer.tls = readTls(r, ...at('tls'));
  if (entries.has('expect')) {
    layer.expect = readExpect(r, ...at('expect'));
    layer.expectNode = at('expect')[0];
  }
  return dropUndefined(layer);
}

function readTls(r: NodeReader, node: Node | null, path: string): Partial<TlsSettings> {
  const tls: Partial<TlsSettings> = {};
  const entries = r.map(node, path, TLS_KEYS);
  if (entries === undefined) return tls;
  const at = (key: string): [Node | null, string] => [entries.get(key)?.value ?? null, childPath(path, key)];
  if (entries.has('server_name')) {
    const [n, p] = at('server_name');
    const name = r.string(n, p);
    // SNI carries host names only (RFC 6066 §3); an IP address here is always a mistake.
    if (name !== undefined && !isHostname(name)) r.report(r.resolve(n), p, `"${name}" is not a host name`);
    else if (name !== undefined) tls.server_name = name;
  }
  if (entries.has('ca_file')) tls.ca_file = readCaFile(r, ...at('ca_file'));
  if (entries.has('fail_on_verify_error')) tls.fail_on_verify_error = r.boolean(...at('fail_on_verify_error'));
  if (entries.has('min_version')) tls.min_version = r.oneOf(...at('min_version'), TLS_VERSIONS);
  return dropUndefined(tls);
}

/** A CA file's path (tls.ca_file, policy.ca_file), made absolute and checked now; undefined after a problem reported. */
export function readCaFile(r: NodeReader, node: Node | null, path: string): string | undefined {
  const file = r.string(node, path);
  if (file === undefined) return undefined;
  // Relative to the config file, as Prometheus resolves its file paths.
  const full = resolve(dirname(r.file), file);
  const problem = caFileProblem(full);
  if (problem === null) return full;
  r.report(r.resolve(node), path, problem);
  return undefined;
}

function caFileProblem(full: string): string | null {
  try {
    readCaBundle(full);
    return null;
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    return `cannot use CA file "${full}": ${e.reason}`;
  }
}

function readExpect(r: NodeReader, node: Node | null, path: string): Expectations {
  const expect: Expectations = {};
  const entries = r.map(node, path, EXPECT_KEYS);
  if (entries === undefined) return expect;
  const at = (key: string): [Node | null, string] => [entries.get(key)?.value ?? null, childPath(path, key)];
  if (entries.has('starttls')) expect.starttls = r.oneOf(...at('starttls'), ['required'] as const);
  if (entries.has('min_size_bytes')) expect.min_size_bytes = r.integer(...at('min_size_bytes'), 1);
  if (entries.has('required_extensions')) expect.required_extensions = readKeywords(r, ...at('required_extensions'));
  if (entries.has('forbidden_extensions')) expect.forbidden_extensions = readKeywords(r, ...at('forbidden_extensions'));
  if (entries.has('auth_requires_tls')) expect.auth_requires_tls = r.boolean(...at('auth_requires_tls'));
  return dropUndefined(expect);
}

/** Extension keywords, upper-cased as the probe reports them, so comparisons need no case folding. */
function readKeywords(r: NodeReader, node: Node | null, path: string): string[] | undefined {
  const items = r.seq(node, path);
  if (items === undefined) return undefined;
  const out: string[] = [];
  items.forEach((item, i) => {
    const p = childPath(path, i);
    const word = r.string(item, p);
    if (word === undefined) return;
    if (!isEhloKeyword(word)) {
      r.report(item, p, `"${word}" is not an EHLO keyword (up to ${MAX_KEYWORD_LENGTH} letters, digits and "-", e.g. PIPELINING)`);
      return;
    }
    const upper = word.toUpperCase();
    if (!out.includes(upper)) out.push(upper);
  });
  return out;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
