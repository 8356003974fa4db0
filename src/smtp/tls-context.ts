// Shared TLS client contexts. Building one parses every trusted root (~150 certificates), which
// costs far more CPU than a probe's handshake; so there is one per distinct (ca, minVersion).
import tls from 'node:tls';

export type TlsMinVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Enough for every distinct ca_file × min_version in a config; old entries go first beyond it. */
const MAX_CONTEXTS = 32;
const cache = new Map<string, tls.SecureContext>();

/**
 * `ca` adds trust anchors to the system's roots (it does not replace them), matching the config's
 * "extra trusted CAs". Verification itself is judged per session, never by rejecting the handshake.
 */
export function getSecureContext(ca: string | Buffer | null, minVersion: TlsMinVersion | undefined): tls.SecureContext {
  const caText = ca === null ? '' : typeof ca === 'string' ? ca : ca.toString('utf8');
  const key = `${minVersion ?? ''}\u0000${caText}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const context = tls.createSecureContext({
    ...(minVersion !== undefined ? { minVersion } : {}),
    ...(caText !== '' ? { ca: [...tls.rootCertificates, caText] } : {}),
  });
  if (cache.size >= MAX_CONTEXTS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, context);
  return context;
}
