// `tls_server_config` of the web config: the HTTPS server's certificate, client certificate policy
// and protocol versions, in exporter-toolkit terms mapped onto Node's TLS server.
import type https from 'node:https';
import { dirname, resolve } from 'node:path';
import tls from 'node:tls';
import type { Node } from 'yaml';
import { FileReadError, MAX_SMALL_FILE_BYTES, readBoundedFile } from '../config/bounded-file.js';
import { caBundleProblem } from '../config/ca-bundle.js';
import { childPath, type Entry, type NodeReader } from '../config/node-reader.js';

/** Go's tls.ClientAuthType names, as the toolkit spells them. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const satisfies Record<string, tls.SecureVersion>;
type VersionName = keyof typeof VERSIONS;
const VERSION_NAMES = Object.keys(VERSIONS) as VersionName[];

export interface WebTlsSettings {
  /** PEM, read from cert_file or given inline. */
  cert: Buffer;
  key: Buffer;
  /** CAs that client certificates are verified against. */
  clientCa: Buffer | null;
  clientAuthType: ClientAuthType;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
}

const KEYS = ['cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'min_version', 'max_version'] as const;
const GO_ONLY = "not supported by ehlo-exporter: its values are Go's crypto/tls names, and Node's defaults (OpenSSL's) apply";
const UNSUPPORTED = {
  cipher_suites: GO_ONLY,
  curve_preferences: GO_ONLY,
  prefer_server_cipher_suites: GO_ONLY,
  client_allowed_sans: 'not supported by ehlo-exporter; use client_auth_type RequireAndVerifyClientCert with a client_ca_file that signs only the allowed clients',
};

/** The PEM of one item given inline (`cert`) or as a file (`cert_file`, relative to the web config), or undefined. */
function pem(r: NodeReader, entries: Map<string, Entry>, path: string, inline: string, fileKey: string, at: Node | null): Buffer | undefined {
  const i = entries.get(inline);
  const f = entries.get(fileKey);
  if (i !== undefined && f !== undefined) {
    r.report(f.key, childPath(path, fileKey), `give either ${inline} or ${fileKey}, not both`);
    return undefined;
  }
  if (i !== undefined) {
    const text = r.string(i.value, childPath(path, inline));
    return text === undefined ? undefined : Buffer.from(text);
  }
  if (f === undefined) return undefined;
  const p = childPath(path, fileKey);
  const name = r.string(f.value, p);
  if (name === undefined) return undefined;
  const full = resolve(dirname(r.file), name);
  try {
    return readBoundedFile(full, MAX_SMALL_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    r.report(r.resolve(f.value) ?? at, p, `cannot read ${full}: ${e.reason}`);
    return Buffer.alloc(0);
  }
}

/** null when the section is absent or names no certificate: the exporter then serves plain HTTP. */
export function readTlsServerConfig(r: NodeReader, node: Node | null, path: string): WebTlsSettings | null {
  const entries = r.map(node, path, KEYS, UNSUPPORTED);
  if (entries === undefined || entries.size === 0) return null;
  const at = r.resolve(node);
  const before = r.problems.length;
  const cert = pem(r, entries, path, 'cert', 'cert_file', at);
  const key = pem(r, entries, path, 'key', 'key_file', at);
  const clientCa = pem(r, entries, path, 'client_ca', 'client_ca_file', at) ?? null;
  // An empty buffer means the file could not be read, which pem() has reported already.
  const clientCaProblem = clientCa === null || clientCa.length === 0 ? null : caBundleProblem(clientCa.toString('utf8'));
  if (clientCaProblem !== null) {
    const entry = entries.get('client_ca_file') ?? entries.get('client_ca');
    r.report(r.resolve(entry?.value ?? null) ?? at, childPath(path, entries.has('client_ca_file') ? 'client_ca_file' : 'client_ca'), `the client CA ${clientCaProblem}`);
  }
  const hasCert = entries.has('cert') || entries.has('cert_file');
  const hasKey = entries.has('key') || entries.has('key_file');
  if (!hasCert) r.report(at, path, 'missing cert_file (or cert): TLS needs a certificate and its key');
  if (!hasKey) r.report(at, path, 'missing key_file (or key): TLS needs a certificate and its key');

  const authEntry = entries.get('client_auth_type');
  const clientAuthType = authEntry === undefined ? 'NoClientCert' : r.oneOf(authEntry.value, childPath(path, 'client_auth_type'), CLIENT_AUTH_TYPES);
  const version = (k: 'min_version' | 'max_version', fallback: VersionName): VersionName | undefined => {
    const e = entries.get(k);
    return e === undefined ? fallback : r.oneOf(e.value, childPath(path, k), VERSION_NAMES);
  };
  const min = version('min_version', 'TLS12');
  const max = version('max_version', 'TLS13');
  if (min !== undefined && max !== undefined && VERSION_NAMES.indexOf(min) > VERSION_NAMES.indexOf(max)) {
    r.report(r.resolve(entries.get('max_version')?.value ?? entries.get('min_version')?.value ?? null) ?? at, path, `min_version ${min} is above max_version ${max}`);
  }
  const verifies = clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert';
  if (verifies && !entries.has('client_ca_file') && !entries.has('client_ca')) {
    r.report(r.resolve(authEntry?.value ?? null) ?? at, childPath(path, 'client_auth_type'), `${clientAuthType} needs client_ca_file (the CA that signs client certificates)`);
  }
  if (!verifies && clientAuthType !== undefined && (entries.has('client_ca_file') || entries.has('client_ca'))) {
    r.report(at, path, `client_ca_file is set but client_auth_type ${clientAuthType} never verifies client certificates; use VerifyClientCertIfGiven or RequireAndVerifyClientCert`);
  }
  if (r.problems.length > before || cert === undefined || key === undefined || clientAuthType === undefined || min === undefined || max === undefined) {
    return null;
  }
  const settings: WebTlsSettings = { cert, key, clientCa, clientAuthType, minVersion: VERSIONS[min], maxVersion: VERSIONS[max] };
  try {
    // Fails now, with the file named, rather than at the first connection.
    tls.createSecureContext(secureContextOptions(settings));
  } catch (e) {
    // OpenSSL's reason (e.g. "key values mismatch", "no start line") names no key material.
    r.report(at, path, `the certificate, key or client CA cannot be used: ${(e as Error).message}`);
    return null;
  }
  return settings;
}

/** The parts of the settings a TLS context is made of (a reload swaps exactly these). */
export function secureContextOptions(s: WebTlsSettings): tls.SecureContextOptions {
  return { cert: s.cert, key: s.key, ca: s.clientCa ?? undefined, minVersion: s.minVersion, maxVersion: s.maxVersion };
}

/** Options for https.createServer. Policies Node cannot express in them are enforced by guardClientCertificates. */
export function httpsServerOptions(s: WebTlsSettings): https.ServerOptions {
  const requestCert = s.clientAuthType !== 'NoClientCert';
  return { ...secureContextOptions(s), requestCert, rejectUnauthorized: s.clientAuthType === 'RequireAndVerifyClientCert' };
}

/**
 * Node either verifies a requested certificate and refuses the handshake without one, or accepts
 * anything; "require any certificate" and "verify only if given" are decided here, right after the
 * handshake and before a byte of HTTP is read.
 */
export function guardClientCertificates(server: tls.Server, s: WebTlsSettings): void {
  if (s.clientAuthType !== 'RequireAnyClientCert' && s.clientAuthType !== 'VerifyClientCertIfGiven') return;
  server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
    const given = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
    const refuse = s.clientAuthType === 'RequireAnyClientCert' ? !given : given && !socket.authorized;
    if (refuse) socket.destroy();
  });
}
