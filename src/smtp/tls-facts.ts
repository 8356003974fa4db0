// What the TLS layer of a session showed (RFC 8446/5246 negotiation, RFC 5280 certificates),
// recorded whether or not the certificate verifies: an expired certificate is a fact worth seeing.
import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { matchDane } from './dane-match.js';
import type { CertificateFacts, DaneCheck, TlsFacts } from './types.js';

/** Chains longer than this are cut short: no real server sends more, a hostile one might. */
const MAX_CHAIN = 16;

/** The leaf Node rendered for its own name check, per socket (checkServerIdentity below). */
const leafRenderedByNode = new WeakMap<tls.TLSSocket, tls.PeerCertificate>();

/**
 * Connects with TLS on `options.socket` for readTlsFacts. When the chain verifies, Node renders the
 * certificates only to hand them to its name check: getPeerCertificate(true), every certificate of
 * the chain with three fingerprints, its DER and public key, and the root looked up in the trust
 * store — a quarter of a probe worker's CPU in a 10,000-target STARTTLS profile. Only the leaf is
 * needed, for the facts and for our name check: this socket renders the leaf alone, the check
 * keeps it for readTlsFacts and accepts, and verify() checks the name we probe for, so
 * `socket.authorized` says whether the chain verified, nothing more. Were Node to stop calling
 * either, the facts would be the same, only dearer.
 */
export function connectTls(options: tls.ConnectionOptions): tls.TLSSocket {
  const socket: tls.TLSSocket = tls.connect({
    ...options,
    checkServerIdentity: (_host: string, cert: tls.PeerCertificate): undefined => {
      leafRenderedByNode.set(socket, cert);
      return undefined;
    },
  });
  const leafOnly = (): tls.PeerCertificate => tls.TLSSocket.prototype.getPeerCertificate.call(socket, false);
  Object.defineProperty(socket, 'getPeerCertificate', { value: leafOnly });
  return socket;
}

/** `dane`: TLSA records to check the presented chain against (only then is the chain collected). */
export function readTlsFacts(socket: tls.TLSSocket, serverName: string, mode: TlsFacts['mode'], dane: DaneCheck | null = null): TlsFacts {
  const cipher = socket.getCipher();
  // getPeerCertificate(true) would give the chain too, but it renders every certificate (three
  // fingerprints, the raw DER, the public key) and looks the root up in the trust store: ~0.2 ms
  // per probe, a quarter of a whole STARTTLS probe's CPU. The leaf alone, plus the presented chain
  // as lazily decoded X509Certificates, is ~4× cheaper (and free when Node rendered it already).
  const leaf = leafRenderedByNode.get(socket) ?? socket.getPeerCertificate(false);
  const hasLeaf = leaf !== null && typeof leaf === 'object' && typeof leaf.fingerprint256 === 'string';
  const verification = verify(socket, serverName, hasLeaf ? leaf : null);
  const chain = hasLeaf ? socket.getPeerX509Certificate() : undefined;
  return {
    mode,
    version: socket.getProtocol() ?? null,
    cipher: cipher ? (cipher.standardName ?? cipher.name ?? null) : null,
    cert: hasLeaf ? certificateFacts(leaf) : null,
    chain_earliest_not_after: hasLeaf ? earliestNotAfter(chain, leaf.valid_to) : null,
    verified: verification === null,
    verify_error: verification,
    ...(dane === null ? {} : { dane: matchDane(dane, presentedChain(chain)) }),
  };
}

/** Null when the chain verifies against our trust anchors AND names serverName; else the reason code. */
function verify(socket: tls.TLSSocket, serverName: string, leaf: tls.PeerCertificate | null): string | null {
  if (leaf === null) return 'NO_PEER_CERTIFICATE';
  if (!socket.authorized) {
    const err = socket.authorizationError as unknown;
    if (typeof err === 'string') return err;
    if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
    return 'UNABLE_TO_VERIFY';
  }
  const identity = tls.checkServerIdentity(serverName, leaf);
  if (identity === undefined) return null;
  return (identity as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
}

export function certificateFacts(cert: tls.PeerCertificate): CertificateFacts {
  return {
    subject: formatName(cert.subject),
    sans: parseSubjectAltName(cert.subjectaltname ?? ''),
    issuer: formatName(cert.issuer),
    not_before: isoDate(cert.valid_from),
    not_after: isoDate(cert.valid_to),
    fingerprint_sha256: cert.fingerprint256.toUpperCase(),
  };
}

/** RFC 4514 order (most specific first): "CN=mx.example.com, O=Example, C=US". */
export function formatName(name: tls.Certificate | undefined): string {
  if (name === undefined || name === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name as unknown as Record<string, string | string[]>)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${v}`);
  }
  return parts.reverse().join(', ');
}

/**
 * Node's subjectaltname: `DNS:a.example, IP Address:192.0.2.1, DNS:"odd, name"` (values with
 * separators are JSON-quoted). Returned as "DNS:a.example", "IP:192.0.2.1"; other types verbatim.
 */
export function parseSubjectAltName(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const type = text.slice(i, colon);
    let value: string;
    let j = colon + 1;
    if (text[j] === '"') {
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        value = text.slice(j + 1, k);
      }
      j = k + 1;
    } else {
      const comma = text.indexOf(', ', j);
      const end = comma === -1 ? text.length : comma;
      value = text.slice(j, end);
      j = end;
    }
    out.push(`${type === 'IP Address' ? 'IP' : type}:${value}`);
    i = j;
  }
  return out;
}

/**
 * Walks the presented chain (issuerCertificate links between the certificates the server sent,
 * not our trust store); a self-signed root points at itself, so stop on a repeat.
 */
function earliestNotAfter(leaf: X509Certificate | undefined, leafValidTo: string): string | null {
  const seen = new Set<string>();
  let earliest: number | null = null;
  const consider = (validTo: string) => {
    const t = Date.parse(validTo);
    if (Number.isFinite(t) && (earliest === null || t < earliest)) earliest = t;
  };
  consider(leafValidTo);
  let cert: X509Certificate | undefined = leaf;
  while (cert !== undefined && seen.size < MAX_CHAIN && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    consider(cert.validTo);
    cert = cert.issuerCertificate ?? undefined;
  }
  return earliest === null ? null : new Date(earliest).toISOString();
}

/**
 * The certificates the server sent, leaf first, in the order it sent them: Node links
 * getPeerX509Certificate()'s issuerCertificate through the peer's chain only, never the trust store
 * (getPeerCertificate(true) appends a root from the store), which DANE-TA needs (RFC 7671 §5.2.2).
 */
function presentedChain(leaf: X509Certificate | undefined): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let cert = leaf; cert !== undefined && chain.length < MAX_CHAIN && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate ?? undefined) {
    seen.add(cert.fingerprint256);
    chain.push(cert);
  }
  return chain;
}

/** OpenSSL's "Jan  1 00:00:00 2030 GMT" → ISO 8601; verbatim if it cannot be read. */
function isoDate(text: string): string {
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString() : text;
}
