// One target, one attempt, one ProbeResult. Never rejects because of the target: every failure of
// the server, the network or TLS becomes `success: false` with a stage and a stable reason.
import { probeFailure, type ProbeFailure } from '../smtp/failure.js';
import { DEFAULT_REPLY_LIMITS } from '../smtp/reply-assembler.js';
import { runSession } from '../smtp/session.js';
import { SYSTEM_CLOCK } from '../smtp/session-options.js';
import { emptySessionRecord, type SessionRecord } from '../smtp/session-record.js';
import { getSecureContext } from '../smtp/tls-context.js';
import type { ProbeOptions } from './probe-options.js';
import type { ProbeResult } from './probe-result.js';
import type { TargetAddress } from './target-address.js';

export async function probeTarget(target: TargetAddress, options: ProbeOptions): Promise<ProbeResult> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const startedAt = clock.wallMs() / 1000;
  let record: SessionRecord;
  try {
    const serverName = options.tls.serverName ?? target.host;
    record = await runSession({
      host: target.dial ?? target.host,
      port: target.port,
      heloName: options.heloName,
      starttls: options.starttls,
      implicitTls: options.implicitTls,
      timeoutMs: Math.max(0, options.timeoutSeconds * 1000),
      tls: {
        serverName,
        secureContext: getSecureContext(options.tls.ca, options.tls.minVersion),
        failOnVerifyError: options.tls.failOnVerifyError,
        dane: options.tls.dane ?? null,
      },
      limits: options.limits ?? DEFAULT_REPLY_LIMITS,
      clock,
    });
  } catch (err) {
    // Only a bad option (e.g. an unparseable CA bundle) gets here; it is still an answer, not a throw.
    const message = err instanceof Error ? err.message : String(err);
    return failedProbe(target, options, startedAt, probeFailure('connect', 'ERR_TLS_OPTIONS', `invalid TLS options: ${message}`), 0);
  }
  return toProbeResult(target, options, startedAt, record);
}

/** The answer for a probe whose session never produced a record of its own. */
export function failedProbe(target: TargetAddress, options: ProbeOptions, startedAt: number, failure: ProbeFailure, totalSeconds: number): ProbeResult {
  const record = emptySessionRecord();
  record.timings.total = totalSeconds;
  record.failure = failure;
  return toProbeResult(target, options, startedAt, record);
}

export function toProbeResult(target: TargetAddress, options: ProbeOptions, startedAt: number, record: SessionRecord): ProbeResult {
  return {
    target: target.target,
    host: target.host,
    port: target.port,
    address: record.address,
    success: record.failure === null,
    error: record.failure,
    started_at: startedAt,
    banner: record.banner,
    esmtp: record.esmtp,
    ehlo_before_tls: record.ehloBeforeTls,
    ehlo_after_tls: record.ehloAfterTls,
    starttls: {
      mode: options.starttls,
      offered: record.starttls.offered,
      attempted: record.starttls.attempted,
      reply_code: record.starttls.replyCode,
    },
    tls: record.tls,
    reply_codes: record.replyCodes,
    timings_seconds: record.timings,
    transcript: record.transcript,
  };
}

