// The whole /metrics exposition for a fixed set of states, compared with a golden file and checked
// by promtool. Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { DiscoveredFrom, Expectations } from '../../src/config/types.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { emptyState } from '../../src/state/state-codec.js';
import { ALL_METRICS } from '../../src/metrics/metric-definitions.js';
import { GOLDEN_STATES, GOLDEN_STATUS, mx1, mx2 } from '../fixtures/metrics/states.js';
import { expectPromtoolClean } from '../support/promtool.js';
import { parseExposition } from './parse-exposition.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/metrics/golden.prom', import.meta.url));

/** A watched domain's change counts ride along with the targets' states (issue 10). */
const domainState = { ...emptyState('example.net', 'inbound'), change_counts: { mx_added: 1, address_removed: 2 }, last_change_at: 1_767_225_600 };
const mx1Expectations: Expectations = { starttls: 'required', min_size_bytes: 10_000_000, required_extensions: ['CHUNKING'] };
const mx2Discovery: DiscoveredFrom = { domain: 'example.net', mx_host: 'mx2.example.net', mx_preference: 10, family: 'ipv6', address: '2001:db8::25' };

const source: MetricsSource = {
  targets: () => [...GOLDEN_STATES, domainState],
  targetConfig: (t) =>
    t === domainState.target ? undefined : t === mx1.target ? { expectations: mx1Expectations } : t === mx2.target ? { discovery: mx2Discovery } : {},
  backoffs: () => new Map([[mx2.target, 120]]),
  domains: () => [
    { domain: 'example.net', lookupSuccess: false, mxHosts: 2, addresses: { ipv4: 3, ipv6: 1 }, nullMx: false, implicitMx: false, failures: { servfail: 2, timeout: 1 }, lastLookupAt: 1_767_225_660 },
    { domain: 'no-mail.example', lookupSuccess: true, mxHosts: 0, addresses: { ipv4: 0, ipv6: 0 }, nullMx: true, implicitMx: false, failures: {}, lastLookupAt: 1_767_225_600 },
  ],
  domainPolicies: () => [
    { domain: 'example.net', record: true, policy: { mode: 'enforce', max_age: 604_800 }, policy_id: '20260101T000000', fetchFailures: { timeout: 1 }, tlsrpt: { valid: true } },
    { domain: 'broken.example', record: true, policy: null, policy_id: null, fetchFailures: { content_type: 3 }, tlsrpt: { valid: false } },
    { domain: 'plain.example', record: false, policy: null, policy_id: null, fetchFailures: {}, tlsrpt: null },
  ],
  targetPolicies: () => [
    {
      target: mx2.target,
      group: mx2.group,
      mtaSts: { covered: true, compliant: false },
      dane: { status: 'secure', records: [`3 1 1 ${'ab'.repeat(32)}`], usable: true, match: false, spki_sha256: 'cd'.repeat(32), cert_sha256: 'ef'.repeat(32) },
    },
    { target: 'mx3.example.net:25[192.0.2.3]', group: 'inbound', mtaSts: { covered: false, compliant: null }, dane: { status: 'bogus', records: [], usable: false, match: null, spki_sha256: null, cert_sha256: null } },
  ],
  status: () => GOLDEN_STATUS,
};

/** build_info carries the real version in production; the golden file holds placeholders. */
function normalise(text: string): string {
  return text.replace(/^smtp_exporter_build_info\{.*\} 1$/m, 'smtp_exporter_build_info{version="VERSION",revision="REVISION",branch="BRANCH",nodejs="NODE"} 1');
}

describe('golden /metrics', () => {
  it('matches test/fixtures/metrics/golden.prom', async () => {
    const text = normalise(await createExporterRegistry(source).metrics());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('passes promtool check metrics', async (ctx) => {
    expectPromtoolClean(await createExporterRegistry(source).metrics(), ctx);
  });

  it('emits only names from the table, with the table HELP and TYPE', async () => {
    const parsed = parseExposition(await createExporterRegistry(source).metrics());
    const table = new Map(ALL_METRICS.map((d) => [d.name, d]));
    for (const s of parsed.samples) {
      const def = table.get(s.name);
      expect(def, s.name).toBeDefined();
      expect(Object.keys(s.labels).sort(), s.name).toEqual([...def!.labels].sort());
    }
    for (const def of ALL_METRICS) {
      expect(parsed.help.get(def.name)).toBe(def.help);
      expect(parsed.type.get(def.name)).toBe(def.type === 'info' ? 'gauge' : def.type);
    }
    expect([...parsed.help.keys()].sort()).toEqual(ALL_METRICS.map((d) => d.name).sort());
  });
});
