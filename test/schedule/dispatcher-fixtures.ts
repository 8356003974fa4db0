// Targets and results for scheduling tests: the dispatcher only reads names, hosts and error reasons.
import type { TargetConfig } from '../../src/config/types.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';

export function target(name: string, host = name, group = 'g'): TargetConfig {
  return {
    name,
    host,
    port: 25,
    group,
    schedule: '* * * * * *',
    probe: {
      helo_name: 'probe.test',
      starttls: 'auto',
      implicit_tls: false,
      timeout_seconds: 5,
      tls: { server_name: null, ca_file: null, fail_on_verify_error: false, min_version: 'TLSv1.2' },
    },
    expectations: {},
  };
}

export function result(t: TargetConfig, reason: 'service_unavailable' | null = null): ProbeResult {
  return {
    target: t.name,
    host: t.host,
    port: t.port,
    address: '127.0.0.1',
    success: reason === null,
    error: reason ? { stage: 'greeting', reason, code: 421, message: '421 busy' } : null,
    started_at: Date.now() / 1000,
    banner: null,
    esmtp: null,
    size: { advertised: false, limit_bytes: null, no_fixed_limit: false },
    extensions: [],
    extensions_before_tls: [],
    auth_mechanisms: [],
    limits: {},
    ehlo_before_tls: null,
    ehlo_after_tls: null,
    starttls: { mode: 'auto', offered: false, attempted: false, reply_code: null },
    tls: null,
    reply_codes: {},
    timings_seconds: { total: 0 },
    transcript: [],
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
