// What /metrics reads about a discovered target's policy: the MTA-STS verdict from its last probe
// (the certificate must have verified for the MX host itself), DANE from its MX host's lookup and
// the probe's own check, and nothing for targets of domains with policy off.
import { describe, expect, it } from 'vitest';
import { parseConfigText, type TargetConfig } from '../../src/config/index.js';
import type { MtaStsStatus } from '../../src/discovery/mta-sts.js';
import { domainPolicyStatus, targetPolicyStatus } from '../../src/schedule/domain-views.js';
import { emptyWatchState } from '../../src/schedule/domain-watcher.js';
import type { WatchedDomain } from '../../src/schedule/fleet.js';
import { EMPTY_POLICY_STATE, nextPolicyState } from '../../src/schedule/policy-checks.js';
import { emptyState } from '../../src/state/state-codec.js';
import { success } from '../state/probe-result-builder.js';

const EE = { usage: 3, selector: 1, matching_type: 1, data: 'ab'.repeat(32) };
const MTA_STS: MtaStsStatus = {
  domain: 'example.com',
  record: { id: '1' },
  record_error: null,
  policy: { version: 'STSv1', mode: 'enforce', mx: ['mx.example.test'], max_age: 86400 },
  policy_id: '1',
  fetched_at: 1,
  fetch_error: null,
  tlsrpt: { valid: true, rua: ['mailto:r@example.com'], error: null },
};

function setUp(policyYaml = '', serverName = '') {
  const cfg = parseConfigText(`groups:\n  - name: g\n${serverName}    domains: [{ domain: example.com${policyYaml} }]\n`, 'p.yml', { defaultHeloName: 'probe.test' });
  const config = cfg.domains[0]!;
  const { state: policy } = nextPolicyState('example.com', EMPTY_POLICY_STATE, { mtaSts: MTA_STS, dane: new Map([['mx.example.test', { status: 'secure', name: '_25._tcp.mx.example.test', records: [EE], message: null, ttl_seconds: 60 }]]) }, 1);
  const domain: WatchedDomain = { config, state: emptyWatchState('domain example.com'), policy };
  const target: TargetConfig = {
    name: 'mx.example.test:25[192.0.2.1]',
    host: 'mx.example.test',
    port: 25,
    group: 'g',
    schedule: config.schedule,
    probe: config.probe,
    expectations: {},
    discovery: { domain: 'example.com', mx_host: 'mx.example.test', mx_preference: 10, family: 'ipv4', address: '192.0.2.1' },
    dane: { records: [EE], names: ['mx.example.test'] },
  };
  return { domain, target };
}

const probed = (dane: { usable_records: number; matched: typeof EE | null }) => {
  const result = success();
  return { ...emptyState('t', 'g'), last_result: { ...result, tls: { ...result.tls!, dane: { ...dane, failure: dane.matched === null ? ('no_match' as const) : null, leaf_spki_sha256: 'cd'.repeat(32), leaf_cert_sha256: 'ef'.repeat(32) } } } };
};

describe('targetPolicyStatus', () => {
  it('is compliant and matching for a verified, matching probe; unknown before the first probe', () => {
    const { domain, target } = setUp();
    expect(targetPolicyStatus(target, domain, probed({ usable_records: 1, matched: EE }))).toEqual({
      target: target.name,
      group: 'g',
      mtaSts: { covered: true, compliant: true },
      dane: { status: 'secure', records: [`3 1 1 ${EE.data}`], usable: true, match: true, spki_sha256: 'cd'.repeat(32), cert_sha256: 'ef'.repeat(32) },
    });
    expect(targetPolicyStatus(target, domain, undefined)?.mtaSts).toEqual({ covered: true, compliant: null });
    expect(targetPolicyStatus(target, domain, undefined)?.dane?.match).toBeNull();
  });

  it('reports a mismatch, but no verdict for a set of unusable records only', () => {
    const { domain, target } = setUp();
    expect(targetPolicyStatus(target, domain, probed({ usable_records: 1, matched: null }))?.dane?.match).toBe(false);
    expect(targetPolicyStatus(target, domain, probed({ usable_records: 0, matched: null }))?.dane?.match).toBeNull();
  });

  it('does not count a certificate verified for another tls.server_name as valid for the MX host', () => {
    const { domain, target } = setUp('', '    tls: { server_name: other.example.net }\n');
    expect(targetPolicyStatus(target, domain, probed({ usable_records: 1, matched: EE }))?.mtaSts).toEqual({ covered: true, compliant: false });
  });

  it('leaves out what is switched off, and targets of no domain', () => {
    const off = setUp(', policy: { mta_sts: false, dane: false }');
    expect(targetPolicyStatus(off.target, off.domain, undefined)).toBeNull();
    expect(domainPolicyStatus(off.domain)).toBeNull();
    const noDane = setUp(', policy: { dane: false }');
    expect(targetPolicyStatus(noDane.target, noDane.domain, undefined)?.dane).toBeNull();
    const { domain, target } = setUp();
    expect(targetPolicyStatus({ ...target, discovery: undefined }, domain, undefined)).toBeNull();
    expect(domainPolicyStatus(domain)).toEqual({ domain: 'example.com', record: true, policy: { mode: 'enforce', max_age: 86400 }, policy_id: '1', fetchFailures: {}, tlsrpt: { valid: true } });
  });
});
