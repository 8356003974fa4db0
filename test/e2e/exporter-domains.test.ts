// The exporter watching mail domains (issue 10) against a real Knot DNS on loopback and fake SMTP
// servers on the addresses its zone names: every MX host and address becomes a target, the odd
// address of a pool shows, DNS failures are told apart, and a zone change reloaded into knot
// becomes change events, metrics and API entries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { fastDomainConfigHead, RECORDS, ZONE } from '../discovery/zone-fixture.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { describeWithReal } from '../support/require-real.js';
import { sampleValue } from '../support/scrape.js';
import { waitFor } from '../support/wait-for.js';

const MULTI = `multi.${ZONE}`;

describeWithReal('the exporter watching domains through a real DNS server', knotUnavailableReason(), () => {
  let knot: KnotServer;
  let app: App;
  let dir: string;
  let port = 0;
  const servers = new Map<string, ScriptedSmtpServer>();
  const name = (host: string, address: string) => `${host}.${ZONE}:${port}[${address}]`;

  const metrics = async () => (await app.server.inject({ method: 'GET', url: '/metrics' })).body;
  const until = <T>(what: string, check: (text: string) => T | undefined, ms = 20_000) =>
    waitFor(what, async () => check(await metrics()), ms, 100);

  beforeAll(async () => {
    knot = await startKnot({ [ZONE]: RECORDS }, ['broken.test']);
    const listen = async (address: string, capabilities?: string[]) => {
      const s = await ScriptedSmtpServer.start(capabilities ? { capabilities } : {}, { host: address, port });
      port = s.port;
      servers.set(address, s);
    };
    await listen('127.0.0.11');
    // One address of mx1's pool restarted with an old config: a much smaller SIZE.
    await listen('127.0.0.12', ['PIPELINING', 'SIZE 1000', '8BITMIME', 'ENHANCEDSTATUSCODES']);
    for (const a of ['::1', '127.0.0.13', '127.0.0.14', '127.0.0.16']) await listen(a);
    dir = mkdtempSync(join(tmpdir(), 'ehlo-domains-'));
    const file = join(dir, 'ehlo-exporter.yml');
    writeFileSync(
      file,
      [
        ...fastDomainConfigHead(knot.servers),
        'groups:',
        '  - name: inbound',
        '    domains:',
        `      - { domain: ${MULTI}, port: ${port} }`,
        `      - nullmx.${ZONE}`,
        `      - missing.${ZONE}`,
        '      - www.broken.test',
        '',
      ].join('\n'),
    );
    app = await createApp({
      configFile: file,
      storagePath: join(dir, 'state.db'),
      defaultHeloName: 'probe.ehlo-exporter.test',
      version: 'test',
      nodeVersion: process.version,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([...servers.values()].map((s) => s.close()));
    await knot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('probes every address of every MX host, with the domain labels, and shows the odd one out', async () => {
    const text = await until('all five addresses probed', (t) =>
      [name('mx1', '127.0.0.11'), name('mx1', '127.0.0.12'), name('mx1', '::1'), name('mx2', '127.0.0.13'), name('mx3', '127.0.0.14')].every(
        (target) => sampleValue(t, 'smtp_probe_success', { target }) === 1,
      )
        ? t
        : undefined,
    );
    expect(sampleValue(text, 'smtp_domain_lookup_success', { domain: MULTI })).toBe(1);
    expect(sampleValue(text, 'smtp_domain_mx_hosts', { domain: MULTI })).toBe(3);
    expect(sampleValue(text, 'smtp_domain_addresses', { domain: MULTI, family: 'ipv4' })).toBe(4);
    expect(sampleValue(text, 'smtp_domain_addresses', { domain: MULTI, family: 'ipv6' })).toBe(1);
    expect(sampleValue(text, 'smtp_domain_implicit_mx', { domain: MULTI })).toBe(0);
    expect(text).toContain(
      `smtp_target_info{target="${name('mx1', '::1')}",group="inbound",host="mx1.${ZONE}",port="${port}",address="::1",domain="${MULTI}",mx_host="mx1.${ZONE}",mx_preference="10",family="ipv6"} 1`,
    );
    expect(sampleValue(text, 'smtp_size_limit_bytes', { target: name('mx1', '127.0.0.12'), tls: 'false' })).toBe(1000);
    expect(sampleValue(text, 'smtp_size_limit_bytes', { target: name('mx1', '127.0.0.11'), tls: 'false' })).toBe(10240000);
    expect(sampleValue(text, 'smtp_exporter_targets', { group: 'inbound' })).toBe(5);
    // The status pages read the same fleet: every discovered address is a row of /, and has its page.
    const addresses = [name('mx1', '127.0.0.11'), name('mx1', '127.0.0.12'), name('mx1', '::1'), name('mx2', '127.0.0.13'), name('mx3', '127.0.0.14')];
    const fleet = await app.server.inject({ method: 'GET', url: '/?group=inbound' });
    expect(fleet.statusCode).toBe(200);
    for (const target of addresses) {
      expect(fleet.body, target).toContain(`/targets/${encodeURIComponent(target)}`);
      const page = await app.server.inject({ method: 'GET', url: `/targets/${encodeURIComponent(target)}` });
      expect(page.statusCode, target).toBe(200);
    }
  });

  it('reports a null MX as a fact and tells NXDOMAIN and SERVFAIL apart', async () => {
    const text = await until('the failing domains looked up twice', (t) =>
      (sampleValue(t, 'smtp_domain_lookup_failures_total', { domain: 'www.broken.test', reason: 'servfail' }) ?? 0) >= 2 ? t : undefined,
    );
    expect(sampleValue(text, 'smtp_domain_null_mx', { domain: `nullmx.${ZONE}` })).toBe(1);
    expect(sampleValue(text, 'smtp_domain_lookup_success', { domain: `nullmx.${ZONE}` })).toBe(1);
    expect(sampleValue(text, 'smtp_domain_mx_hosts', { domain: `nullmx.${ZONE}` })).toBe(0);
    expect(sampleValue(text, 'smtp_domain_lookup_success', { domain: `missing.${ZONE}` })).toBe(0);
    expect(sampleValue(text, 'smtp_domain_lookup_failures_total', { domain: `missing.${ZONE}`, reason: 'nxdomain' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'smtp_domain_lookup_success', { domain: 'www.broken.test' })).toBe(0);
    expect(sampleValue(text, 'smtp_domain_last_lookup_timestamp_seconds', { domain: 'www.broken.test' })).toBeGreaterThan(Date.now() / 1000 - 10);
  });

  it('opens one session per address per round, not one per address per sibling', async () => {
    const addresses = ['127.0.0.11', '127.0.0.12', '::1', '127.0.0.13', '127.0.0.14'];
    const before = new Map([...servers].map(([a, s]) => [a, s.connectionCount]));
    const sessions = (a: string) => servers.get(a)!.connectionCount - before.get(a)!;
    const started = Date.now();
    // Four rounds at least (a session per sibling would be twice the bound), and until every address
    // has had two, however slow the machine.
    await new Promise((r) => setTimeout(r, 4_000));
    await waitFor('two sessions to every address', () => addresses.every((a) => sessions(a) >= 2), 20_000, 50);
    const rounds = (Date.now() - started) / 1000;
    for (const a of addresses) expect(sessions(a), a).toBeLessThanOrEqual(Math.ceil(rounds) + 1);
  });

  it('turns a zone change reloaded into knot into change events, metrics and API entries', async () => {
    // mx2 leaves, mx3 moves to preference 5 and gains 127.0.0.16, mx1 loses 127.0.0.12.
    await knot.setZone(ZONE, RECORDS.replace('multi MX 10 mx2\n', '').replace('multi MX 20 mx3', 'multi MX 5 mx3').replace('mx1 A 127.0.0.12\n', '') + 'mx3 A 127.0.0.16\n');
    const count = (t: string, change: string) => sampleValue(t, 'smtp_capability_changes_total', { target: MULTI, group: 'inbound', change });
    const text = await until('the change events counted', (t) => (count(t, 'address_added') === 1 && count(t, 'mx_removed') === 1 ? t : undefined));
    expect(count(text, 'mx_preference_changed')).toBe(1);
    expect(count(text, 'address_removed')).toBe(1);
    expect(count(text, 'mx_added')).toBe(0);
    expect(sampleValue(text, 'smtp_domain_mx_hosts', { domain: MULTI })).toBe(2);
    expect(text).not.toContain(name('mx2', '127.0.0.13'));
    expect(text).not.toContain(name('mx1', '127.0.0.12'));
    await until('the new address probed', (t) => (sampleValue(t, 'smtp_probe_success', { target: name('mx3', '127.0.0.16') }) === 1 ? t : undefined));

    const api = (await app.server.inject({ method: 'GET', url: `/api/v1/domains/${MULTI}/changes` })).json() as { changes: { kind: string; subject: string; old_value: string | null; new_value: string | null }[] };
    expect(api.changes.map((c) => [c.kind, c.subject, c.old_value, c.new_value]).sort()).toEqual(
      [
        ['address_added', `mx3.${ZONE}`, null, '127.0.0.16'],
        ['address_removed', `mx1.${ZONE}`, '127.0.0.12', null],
        ['mx_preference_changed', `mx3.${ZONE}`, '20', '5'],
        ['mx_removed', `mx2.${ZONE}`, '10', null],
      ].sort(),
    );
    const domains = (await app.server.inject({ method: 'GET', url: '/api/v1/domains' })).json() as { domains: { domain: string; current: { mx: { host: string }[] } | null; change_counts: Record<string, number> }[] };
    const multi = domains.domains.find((d) => d.domain === MULTI)!;
    expect(multi.current?.mx.map((m) => m.host)).toEqual([`mx3.${ZONE}`, `mx1.${ZONE}`]);
    expect(multi.change_counts).toEqual({ mx_added: 0, mx_removed: 1, mx_preference_changed: 1, address_removed: 1, address_added: 1, mta_sts_policy_changed: 0, mta_sts_mode_changed: 0, tlsa_changed: 0 });
  });

  it('keeps probing the last good set while DNS fails, and shows the failure at once', async () => {
    await knot.stop();
    const text = await until('the failed lookup', (t) => (sampleValue(t, 'smtp_domain_lookup_success', { domain: MULTI }) === 0 ? t : undefined));
    expect(sampleValue(text, 'smtp_domain_mx_hosts', { domain: MULTI })).toBe(2);
    const reasons = text.split('\n').filter((l) => l.startsWith(`smtp_domain_lookup_failures_total{domain="${MULTI}"`));
    expect(reasons.length).toBeGreaterThan(0);
    const before = servers.get('127.0.0.16')!.connectionCount;
    await waitFor('the kept address probed again', () => (servers.get('127.0.0.16')!.connectionCount > before + 1 ? true : undefined), 10_000);
  });
});
