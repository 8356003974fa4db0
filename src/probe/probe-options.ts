// How to probe one target: the caller's choices (from the config, the CLI or /probe), nothing else.
import os from 'node:os';
import net from 'node:net';
import type { ReplyLimits } from '../smtp/reply-assembler.js';
import type { Clock } from '../smtp/session-options.js';
import type { DaneCheck, StartTlsMode } from '../smtp/types.js';

export type { Clock } from '../smtp/session-options.js';
export { SYSTEM_CLOCK } from '../smtp/session-options.js';

export interface ProbeOptions {
  heloName: string;
  starttls: StartTlsMode;
  implicitTls: boolean;
  /** The overall deadline in seconds; each phase has its own timer inside it. */
  timeoutSeconds: number;
  tls: {
    /** SNI and the name verified; null means the target's host. */
    serverName: string | null;
    /** Extra trusted CAs (PEM), added to the system's roots. */
    ca: string | Buffer | null;
    failOnVerifyError: boolean;
    minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    /** TLSA records (from a DNSSEC-secure lookup) to check the presented chain against; the result lands in tls.dane. */
    dane?: DaneCheck | null;
  };
  limits?: ReplyLimits;
  /** Default: performance.now() / Date.now(). */
  clock?: Clock;
}

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * RFC 5321 §4.1.4: the EHLO argument SHOULD be the client's primary host name (an FQDN) or, when
 * it has none, an address literal. Many receivers reject a bare "myhost" (Postfix
 * reject_non_fqdn_helo_hostname), so a dotless hostname is not used. The literal of a local
 * interface address may differ from the address the server sees behind NAT; §4.1.4 forbids
 * refusing a session for that mismatch, so it is still the honest fallback. With no usable
 * interface at all, "localhost.localdomain" at least has the FQDN shape.
 */
export function defaultHeloName(hostname: string = os.hostname(), interfaces: Interfaces = os.networkInterfaces()): string {
  const name = hostname.trim().toLowerCase().replace(/\.$/, '');
  if (name.includes('.') && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name) && !/^[\d.]+$/.test(name)) return name;
  const addresses = Object.values(interfaces).flatMap((list) => list ?? []).filter((a) => !a.internal);
  const v4 = addresses.find((a) => a.family === 'IPv4');
  if (v4 !== undefined) return `[${v4.address}]`;
  // RFC 5321 §4.1.3: IPv6 literals are tagged; link-local addresses mean nothing to a remote server.
  const v6 = addresses.find((a) => a.family === 'IPv6' && net.isIPv6(a.address) && !a.address.toLowerCase().startsWith('fe80'));
  if (v6 !== undefined) return `[IPv6:${v6.address}]`;
  return 'localhost.localdomain';
}
