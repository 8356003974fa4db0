// Targets and results for scheduling tests: the dispatcher only reads names, hosts and error reasons.
import type { TargetConfig } from '../../src/config/types.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import { failure, success } from '../state/probe-result-builder.js';

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
  return reason === null ? success({ target: t.name }) : failure('greeting', reason, { target: t.name });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
