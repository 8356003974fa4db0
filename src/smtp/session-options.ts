// What one SMTP session (RFC 5321, 3207, 8314) needs to know, decided by the caller beforehand.
import type { SecureContext } from 'node:tls';
import type { ReplyLimits } from './reply-assembler.js';
import type { DaneCheck, StartTlsMode } from './types.js';

/** Time sources, injectable so timings and deadlines are testable. */
export interface Clock {
  /** Milliseconds from an arbitrary origin that never goes backwards (timings, deadlines). */
  monotonicMs(): number;
  /** Unix time in milliseconds (timestamps people read). */
  wallMs(): number;
}

export const SYSTEM_CLOCK: Clock = Object.freeze({
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
});

export interface SessionTlsOptions {
  /** SNI and the name the certificate is checked against. */
  serverName: string;
  /** Trust anchors and protocol floor; shared between sessions (see tls-context.ts). */
  secureContext: SecureContext;
  /** A WebPKI verification failure ends the session (ignored when `dane` is set: DANE decides then). */
  failOnVerifyError: boolean;
  /** Check the presented chain against these TLSA records (RFC 7672); null/absent: no DANE. */
  dane?: DaneCheck | null;
}

export interface SessionOptions {
  host: string;
  port: number;
  heloName: string;
  starttls: StartTlsMode;
  implicitTls: boolean;
  /** The whole session's deadline; each phase's own timer never runs past it. */
  timeoutMs: number;
  tls: SessionTlsOptions;
  limits: ReplyLimits;
  clock: Clock;
}
