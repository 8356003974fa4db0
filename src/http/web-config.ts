// The web config file (--web.config.file): TLS and basic auth for every HTTP endpoint, in the format
// of the Prometheus exporter-toolkit, so one file serves node_exporter and ehlo-exporter alike.
// Parsed strictly like the main config: unknown keys are errors, every problem names file, line and
// path, and the toolkit keys we do not implement are refused with a reason rather than ignored.
// Secrets (key material, bcrypt hashes) never appear in a message.
import { FileReadError, MAX_SMALL_FILE_BYTES, readBoundedFile } from '../config/bounded-file.js';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { formatProblem, type ConfigProblem } from '../config/config-error.js';
import { childPath, NodeReader } from '../config/node-reader.js';
import { readBasicAuthUsers } from './web-config-auth.js';
import { readTlsServerConfig, type WebTlsSettings } from './web-config-tls.js';

export type WebConfigErrorCode = 'ERR_WEB_CONFIG_UNREADABLE' | 'ERR_WEB_CONFIG_YAML' | 'ERR_WEB_CONFIG_INVALID';

export class WebConfigError extends Error {
  readonly code: WebConfigErrorCode;
  readonly problems: readonly ConfigProblem[];
  constructor(code: WebConfigErrorCode, problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid web config (${count}):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'WebConfigError';
    this.code = code;
    this.problems = problems;
  }
}

/** Response headers the toolkit lets a web config set, with the values it accepts (null: any). */
export const SECURITY_HEADERS: Readonly<Record<string, readonly string[] | null>> = {
  'Content-Security-Policy': null,
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-Content-Type-Options': ['nosniff'],
  'X-XSS-Protection': null,
  'Strict-Transport-Security': null,
};

export interface WebConfig {
  file: string;
  /** null: plain HTTP. */
  tls: WebTlsSettings | null;
  /** user → bcrypt hash; empty: no authentication. */
  basicAuthUsers: ReadonlyMap<string, string>;
  /** Added to every response. */
  headers: Readonly<Record<string, string>>;
}

const ROOT_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users'] as const;
const ROOT_UNSUPPORTED = {
  rate_limit: 'not supported by ehlo-exporter; /probe has its own limits (probe_endpoint in the main config) and /metrics a bound on concurrent scrapes',
};
const HTTP_KEYS = ['http2', 'headers'] as const;

export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readBoundedFile(file, MAX_SMALL_FILE_BYTES).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    throw unreadable(file, `cannot read web config file: ${e.reason}`);
  }
  return parseWebConfig(text, file);
}

function unreadable(file: string, message: string): WebConfigError {
  return new WebConfigError('ERR_WEB_CONFIG_UNREADABLE', [{ file, line: null, path: '', message }]);
}

/** `file` names the problems and anchors relative paths (cert_file, key_file, client_ca_file). */
export function parseWebConfig(text: string, file: string): WebConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlProblems = [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    line: lineCounter.linePos(e.pos[0]).line || 1,
    path: '',
    // The parser's own message names a position, never the text around it (which may be a secret).
    message: `YAML syntax error: ${e.code === 'DUPLICATE_KEY' ? 'a key appears twice in one mapping' : e.message}`,
  }));
  if (yamlProblems.length > 0) throw new WebConfigError('ERR_WEB_CONFIG_YAML', yamlProblems);

  const r = new NodeReader(file, lineCounter, doc);
  const root = r.resolve(doc.contents as Node | null);
  const empty: WebConfig = { file, tls: null, basicAuthUsers: new Map(), headers: {} };
  // An empty file is a valid toolkit config: no TLS, no auth.
  if (r.isNull(root)) return empty;
  if (!isMap(root)) {
    r.report(root, '', 'the top level must be a mapping with tls_server_config, http_server_config or basic_auth_users');
    throw new WebConfigError('ERR_WEB_CONFIG_INVALID', r.problems);
  }
  const entries = r.map(root, '', ROOT_KEYS, ROOT_UNSUPPORTED) ?? new Map();
  const value = (key: string): Node | null => entries.get(key)?.value ?? null;
  const tls = readTlsServerConfig(r, value('tls_server_config'), 'tls_server_config');
  const headers = readHttpServerConfig(r, value('http_server_config'), 'http_server_config');
  const basicAuthUsers = readBasicAuthUsers(r, value('basic_auth_users'), 'basic_auth_users');
  if (r.problems.length > 0) {
    throw new WebConfigError('ERR_WEB_CONFIG_INVALID', [...r.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  return { file, tls, basicAuthUsers, headers };
}

function readHttpServerConfig(r: NodeReader, node: Node | null, path: string): Record<string, string> {
  const entries = r.map(node, path, HTTP_KEYS);
  const headers: Record<string, string> = {};
  if (entries === undefined) return headers;
  const http2 = entries.get('http2');
  if (http2 !== undefined && r.boolean(http2.value, childPath(path, 'http2')) === true) {
    r.report(r.resolve(http2.value), childPath(path, 'http2'), 'HTTP/2 is not supported by ehlo-exporter (it serves HTTP/1.1); set false or remove the key');
  }
  const h = entries.get('headers');
  if (h === undefined) return headers;
  const hp = childPath(path, 'headers');
  const names = Object.keys(SECURITY_HEADERS);
  for (const [name, entry] of r.map(h.value, hp, names) ?? new Map()) {
    const p = childPath(hp, name);
    const allowed = SECURITY_HEADERS[name] ?? null;
    // Blank means unset, as in the toolkit.
    const v0 = r.resolve(entry.value);
    if (r.isNull(v0) || (isScalar(v0) && v0.value === '')) continue;
    const v = allowed === null ? r.string(entry.value, p) : r.oneOf(entry.value, p, allowed);
    if (v !== undefined) headers[name] = v;
  }
  return headers;
}
