// The probed fleet built from a config and what a real DNS server (Knot on loopback) answers:
// configured targets, every address of every MX host, `all_addresses` hosts, and one target per
// name however many domains lead to it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { createDnsLookup } from '../../src/discovery/dns-lookup.js';
import { Fleet } from '../../src/schedule/fleet.js';
import type { ScheduledGroup } from '../../src/schedule/scheduler.js';
import { describeWithReal } from '../support/require-real.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { waitFor } from '../support/wait-for.js';

const ZONE = 'fleet.test';
const RECORDS = `
a MX 10 shared
a MX 20 own
b MX 10 shared
shared A 127.0.0.31
shared AAAA ::1
own A 127.0.0.32
host A 127.0.0.33
host A 127.0.0.34
`;

describeWithReal('Fleet', knotUnavailableReason(), () => {
  let knot: KnotServer;
  beforeAll(async () => {
    knot = await startKnot({ [ZONE]: RECORDS });
  });
  afterAll(async () => knot?.stop());

  it('adds every discovered address once, keeps configured targets, and re-schedules as lookups finish', async () => {
    const config = parseConfigText(
      [
        'dns:',
        `  servers: ["${knot.servers[0]}"]`,
        'groups:',
        '  - name: inbound',
        `    domains: [a.${ZONE}, b.${ZONE}]`,
        `    targets: [plain.${ZONE}, { target: host.${ZONE}, all_addresses: true }]`,
        '',
      ].join('\n'),
      'fleet.yml',
      { defaultHeloName: 'probe.test' },
    );
    const scheduled: (readonly ScheduledGroup[])[] = [];
    const lookups: string[] = [];
    const fleet = new Fleet({
      lookup: (dns) => createDnsLookup({ servers: dns.servers, timeoutSeconds: dns.timeout_seconds }),
      now: Date.now,
      onGroups: (groups) => scheduled.push(groups),
      onDomainLookup: (domain) => lookups.push(domain.domain),
      onError: (key, error) => {
        throw new Error(`${key}: ${String(error)}`);
      },
    });
    try {
      fleet.apply(config);
      // At once: the configured target alone (the all_addresses host is not probed by its name).
      expect(scheduled[0]?.[0]?.targets.map((t) => t.name)).toEqual([`plain.${ZONE}:25`]);
      await waitFor('every name resolved', () => (lookups.length >= 2 && fleet.targets().length === 6 ? true : undefined), 10_000);
      expect(fleet.targets().map((t) => t.name).sort()).toEqual(
        [
          `plain.${ZONE}:25`,
          `host.${ZONE}:25[127.0.0.33]`,
          `host.${ZONE}:25[127.0.0.34]`,
          `shared.${ZONE}:25[127.0.0.31]`,
          `shared.${ZONE}:25[::1]`,
          `own.${ZONE}:25[127.0.0.32]`,
        ].sort(),
      );
      // The shared MX host is probed once, under the first domain in file order.
      expect(fleet.target(`shared.${ZONE}:25[::1]`)?.discovery).toEqual({ domain: `a.${ZONE}`, mx_host: `shared.${ZONE}`, mx_preference: 10, family: 'ipv6', address: '::1' });
      expect(fleet.target(`host.${ZONE}:25[127.0.0.33]`)?.discovery).toEqual({ domain: '', mx_host: '', mx_preference: null, family: 'ipv4', address: '127.0.0.33' });
      const last = scheduled.at(-1)!;
      expect(last.flatMap((g) => g.targets).length).toBe(6);
      expect(fleet.domains().map((d) => [d.config.domain, d.state.success, d.state.current?.mx.length])).toEqual([
        [`a.${ZONE}`, true, 2],
        [`b.${ZONE}`, true, 1],
      ]);
    } finally {
      fleet.stop();
    }
  });
});
