// The human lines of `probe DOMAIN --mx --policy`, from a fixed report: the domain's MTA-STS and
// DANE state, and the two verdict columns per address (marked where an address differs).
import { describe, expect, it } from 'vitest';
import { formatDomainReport } from '../../src/cli/format-domain-report.js';
import type { DomainReport } from '../../src/cli/probe-domain.js';
import type { ProbeJson } from '../../src/cli/probe-json.js';

const probe = { error: null, size: null, ehlo_before_tls: null, starttls: { offered: true }, tls: null } as unknown as ProbeJson;
const EE = { usage: 3, selector: 1, matching_type: 1, data: 'ab'.repeat(32) };

function report(): DomainReport {
  return {
    domain: 'example.com',
    mx_source: 'mx',
    error: null,
    mx: [
      {
        host: 'mx1.example.com',
        preference: 10,
        error: null,
        addresses: [
          { address: '192.0.2.10', family: 'ipv4', probe, policy: { mta_sts: { covered: true, compliant: true, reason: 'ok' }, dane: { usable_records: 1, matched: EE, failure: null, leaf_spki_sha256: 'ab'.repeat(32), leaf_cert_sha256: 'cd'.repeat(32) } } },
          { address: '192.0.2.11', family: 'ipv4', probe, policy: { mta_sts: { covered: true, compliant: false, reason: 'certificate' }, dane: { usable_records: 1, matched: null, failure: 'no_match', leaf_spki_sha256: 'ef'.repeat(32), leaf_cert_sha256: '01'.repeat(32) } } },
          { address: '192.0.2.12', family: 'ipv4', probe, policy: { mta_sts: { covered: true, compliant: true, reason: 'ok' }, dane: { usable_records: 1, matched: EE, failure: null, leaf_spki_sha256: 'ab'.repeat(32), leaf_cert_sha256: 'cd'.repeat(32) } } },
        ],
      },
      { host: 'mx2.other.example', preference: 20, error: null, addresses: [{ address: '192.0.2.20', family: 'ipv4', probe, policy: { mta_sts: { covered: false, compliant: false, reason: 'not_covered' }, dane: null } }] },
    ],
    policy: {
      mta_sts: {
        domain: 'example.com',
        record: { id: '20260101' },
        record_error: null,
        policy: { version: 'STSv1', mode: 'enforce', mx: ['mx1.example.com'], max_age: 604800 },
        policy_id: '20260101',
        fetched_at: 1_767_225_600,
        fetch_error: null,
        tlsrpt: { valid: true, rua: ['mailto:tlsrpt@example.com'], error: null },
      },
      dane: {
        lookups: [
          { host: 'mx1.example.com', status: 'secure', name: '_25._tcp.mx1.example.com', records: [EE], message: null, ttl_seconds: 300 },
          { host: 'mx2.other.example', status: 'insecure', name: '_25._tcp.mx2.other.example', records: [], message: null, ttl_seconds: null },
        ],
      },
    },
  };
}

describe('probe DOMAIN --mx --policy, as text', () => {
  it('prints the policy, the TLSA lookups, and an MTA-STS and a DANE verdict per address', () => {
    const lines = formatDomainReport(report(), 1_767_225_600).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Domain      example.com',
      'DNS         MX records',
      'MTA-STS     enforce (id 20260101), max_age 604800s, mx: mx1.example.com',
      'TLS-RPT     valid, rua mailto:tlsrpt@example.com',
      'DANE        mx1.example.com: secure, 3 1 1 abababababababab…',
      'DANE        mx2.other.example: insecure (unsigned zone: no DANE)',
    ]);
    const table = lines.slice(7, 12);
    expect(table[0]).toMatch(/^MX\s+ADDRESS\s+RESULT\s+SIZE\s+STARTTLS\s+TLS\s+CERTIFICATE\s+MTA-STS\s+DANE$/);
    expect(table[1]).toMatch(/192\.0\.2\.10 .* compliant\s+match \(3 1 1 abababababababab…\)$/);
    expect(table[2]).toMatch(/192\.0\.2\.11 .* \*NOT compliant \(certificate\)\s+\*NO match \(no_match, presented SPKI efefefefefefefef…\)$/);
    expect(table[4]).toMatch(/192\.0\.2\.20 .* \*NOT compliant \(not_covered\)\s+\*-$/);
  });

  it('says so when a domain publishes no policy, and when the fetch failed', () => {
    const r = report();
    r.policy!.mta_sts = { ...r.policy!.mta_sts!, record: null, policy: null, policy_id: null, tlsrpt: null };
    expect(formatDomainReport(r, 0)).toContain('MTA-STS     no _mta-sts record: the domain publishes no policy\nTLS-RPT     no _smtp._tls record\n');
    r.policy!.mta_sts = { ...r.policy!.mta_sts!, record: { id: '2' }, fetch_error: { reason: 'content_type', message: 'text/html, not text/plain' } };
    expect(formatDomainReport(r, 0)).toContain('MTA-STS     fetch FAILED: content_type: text/html, not text/plain\n');
  });
});
