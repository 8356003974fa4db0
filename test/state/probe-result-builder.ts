// Builds ProbeResults for the state tests from EHLO lines, independent of the real EHLO parser so
// that these tests pin the state layer's behaviour, not the parser's.
import type { ProbeResult } from '../../src/probe/probe-result.js';
import type { EhloFacts, FailureReason, Stage } from '../../src/probe/probe-result.js';
import { FAILURE_DETAILS, reasonOf } from '../../src/smtp/failure.js';

/** EHLO lines after the greeting line, e.g. ['PIPELINING', 'SIZE 1000', 'AUTH PLAIN LOGIN']. */
export function facts(lines: readonly string[]): EhloFacts {
  const keywords: Record<string, string[]> = {};
  for (const line of lines) {
    const [kw = '', ...params] = line.split(' ');
    keywords[kw.toUpperCase()] = params;
  }
  const sizeParams = keywords.SIZE;
  const n = sizeParams?.[0] === undefined ? null : Number(sizeParams[0]);
  const limits: Record<string, number> = {};
  for (const p of keywords.LIMITS ?? []) {
    const [name, value] = p.split('=');
    if (name !== undefined && value !== undefined) limits[name.toUpperCase()] = Number(value);
  }
  return {
    domain: 'mx.example.test',
    keywords,
    extensions: Object.keys(keywords).sort(),
    size: {
      advertised: sizeParams !== undefined,
      limit_bytes: n !== null && Number.isSafeInteger(n) && n > 0 ? n : null,
      no_fixed_limit: n === 0,
    },
    auth_mechanisms: [...new Set((keywords.AUTH ?? []).map((m) => m.toUpperCase()))].sort(),
    limits,
    malformed: [],
  };
}

export interface SuccessOptions {
  target?: string;
  startedAt?: number;
  /** Plaintext EHLO lines; null when there was none (implicit TLS, HELO fallback). */
  before?: readonly string[] | null;
  /** EHLO lines inside TLS; null when TLS did not happen. */
  after?: readonly string[] | null;
  tlsVersion?: string;
  fingerprint?: string;
  implicitTls?: boolean;
  attempted?: boolean;
}

export function success(o: SuccessOptions = {}): ProbeResult {
  const before = o.before === undefined ? facts(['PIPELINING', 'SIZE 10000000', 'STARTTLS', '8BITMIME']) : o.before === null ? null : facts(o.before);
  const after =
    o.after === undefined ? facts(['PIPELINING', 'SIZE 10000000', 'AUTH PLAIN LOGIN', '8BITMIME']) : o.after === null ? null : facts(o.after);
  const effective = after ?? before;
  const tls =
    after === null
      ? null
      : {
          mode: o.implicitTls ? ('implicit' as const) : ('starttls' as const),
          version: o.tlsVersion ?? 'TLSv1.3',
          cipher: 'TLS_AES_256_GCM_SHA384',
          cert: {
            subject: 'CN=mx.example.test',
            sans: ['mx.example.test'],
            issuer: 'CN=Test CA',
            not_before: '2025-01-01T00:00:00.000Z',
            not_after: '2035-01-01T00:00:00.000Z',
            fingerprint_sha256: o.fingerprint ?? 'AA:BB:CC',
          },
          chain_earliest_not_after: '2035-01-01T00:00:00.000Z',
          verified: true,
          verify_error: null,
        };
  const offered = before !== null && 'STARTTLS' in before.keywords;
  const target = o.target ?? 'mx.example.test:25';
  return {
    target,
    host: 'mx.example.test',
    port: 25,
    address: '127.0.0.1',
    success: true,
    error: null,
    started_at: o.startedAt ?? 1_700_000_000,
    banner: { code: 220, lines: ['mx.example.test ESMTP'] },
    esmtp: before !== null || after !== null,
    ehlo_before_tls: before,
    ehlo_after_tls: after,
    starttls: { mode: 'auto', offered, attempted: o.attempted ?? (offered && after !== null), reply_code: offered ? 220 : null },
    tls,
    reply_codes: { greeting: 220, ehlo: 250 },
    timings_seconds: { total: 0.05 },
    transcript: [
      { t: 0, dir: '*', line: 'connected' },
      { t: 0.01, dir: 'S', line: '220 mx.example.test ESMTP' },
    ],
  };
}

export function failure(stage: Stage, reason: FailureReason, o: { target?: string; startedAt?: number; transcriptLines?: number } = {}): ProbeResult {
  const base = success({ target: o.target, startedAt: o.startedAt, before: null, after: null });
  return {
    ...base,
    success: false,
    error: {
      stage,
      reason,
      detail: FAILURE_DETAILS.find((d) => reasonOf(d) === reason) ?? null,
      code: reason === 'service_unavailable' ? 421 : null,
      message: `${stage} failed: ${reason}`,
    },
    esmtp: null,
    banner: null,
    starttls: { mode: 'auto', offered: false, attempted: false, reply_code: null },
    transcript: Array.from({ length: o.transcriptLines ?? 3 }, (_, i) => ({ t: i / 100, dir: 'S' as const, line: `line ${i} ${'x'.repeat(1000)}` })),
  };
}
