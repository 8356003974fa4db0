// `ehlo-exporter probe DOMAIN --mx` against a real Knot DNS and fake SMTP servers on the loopback
// addresses the zone names: one address of mx1 is configured differently from its siblings.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runProbeCommand } from '../../src/cli/probe-command.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { describeWithReal } from '../support/require-real.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { RECORDS, ZONE } from '../discovery/zone-fixture.js';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const progress: string[] = [];
  const code = await runProbeCommand(argv, {
    probe: probeTarget,
    defaultHeloName: () => 'probe.ehlo-exporter.test',
    out: (t) => (out += t),
    err: (t) => (err += t),
    nowSeconds: () => Date.now() / 1000,
    progress: (t) => progress.push(t),
  });
  return { code, out, err, progress };
}

describeWithReal('ehlo-exporter probe DOMAIN --mx', knotUnavailableReason(), () => {
  let knot: KnotServer;
  const servers: ScriptedSmtpServer[] = [];
  let port = 0;
  beforeAll(async () => {
    knot = await startKnot({ [ZONE]: RECORDS }, ['broken.test']);
    const first = await ScriptedSmtpServer.start({ hostname: 'mx1.ehlo.test' }, { host: '127.0.0.11', port: 0 });
    port = first.port;
    servers.push(first);
    // 127.0.0.12 is the odd one out: a smaller SIZE than the rest of the pool.
    servers.push(await ScriptedSmtpServer.start({ hostname: 'mx1.ehlo.test', capabilities: ['PIPELINING', 'SIZE 1000', '8BITMIME', 'ENHANCEDSTATUSCODES'] }, { host: '127.0.0.12', port }));
    servers.push(await ScriptedSmtpServer.start({ hostname: 'mx1.ehlo.test' }, { host: '::1', port }));
    servers.push(await ScriptedSmtpServer.start({ hostname: 'mx2.ehlo.test' }, { host: '127.0.0.13', port }));
    servers.push(await ScriptedSmtpServer.start({ hostname: 'mx3.ehlo.test' }, { host: '127.0.0.14', port }));
    servers.push(await ScriptedSmtpServer.start({ hostname: 'implicit.ehlo.test' }, { host: '127.0.0.15', port }));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await knot?.stop();
  });

  it('probes every address of every MX host, in preference order, and prints the JSON shape', async () => {
    const { code, out, err, progress } = await run([`multi.${ZONE}:${port}`, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['domain', 'mx_source', 'error', 'mx']);
    expect(json).toMatchObject({ domain: `multi.${ZONE}`, mx_source: 'mx', error: null });
    expect(json.mx.map((m: { host: string; preference: number }) => [m.preference, m.host])).toEqual([
      [10, `mx1.${ZONE}`],
      [10, `mx2.${ZONE}`],
      [20, `mx3.${ZONE}`],
    ]);
    const mx1 = json.mx[0];
    expect(mx1.error).toBeNull();
    expect(mx1.addresses.map((a: { address: string; family: string }) => [a.address, a.family])).toEqual([
      ['127.0.0.11', 'ipv4'],
      ['127.0.0.12', 'ipv4'],
      ['::1', 'ipv6'],
    ]);
    for (const a of mx1.addresses) {
      expect(a.probe).toMatchObject({ success: true, host: `mx1.${ZONE}`, address: a.address, port });
    }
    expect(mx1.addresses.map((a: { probe: { size: { limit_bytes: number } } }) => a.probe.size.limit_bytes)).toEqual([10240000, 1000, 10240000]);
    // Each address got exactly one session.
    expect(servers.slice(0, 5).map((s) => s.connectionCount)).toEqual([1, 1, 1, 1, 1]);
    expect(progress.at(-1)).toBe('\rprobed 5 of 5 addresses\n');
  });

  it('marks the value that differs from the other addresses in the text output', async () => {
    const { code, out } = await run([`multi.${ZONE}:${port}`, '--mx', '--dns-server', knot.servers[1]!]);
    expect(code).toBe(0);
    expect(out).toMatch(/^10 mx1\.ehlo\.test +127\.0\.0\.12 +OK +\*1000 /m);
    expect(out).toMatch(/^10 mx1\.ehlo\.test +127\.0\.0\.11 +OK +10240000 /m);
    expect(out).toContain('* differs from what most addresses of multi.ehlo.test answer');
  });

  it('reports a domain without MX records as implicit MX and probes its own address', async () => {
    const { code, out } = await run([`implicit.${ZONE}:${port}`, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.mx_source).toBe('implicit');
    expect(json.mx).toHaveLength(1);
    expect(json.mx[0]).toMatchObject({ host: `implicit.${ZONE}`, preference: 0, error: null });
    expect(json.mx[0].addresses[0]).toMatchObject({ address: '127.0.0.15', family: 'ipv4', probe: { success: true } });
  });

  it('exits 0 for a null MX and probes nothing', async () => {
    const { code, out } = await run([`nullmx.${ZONE}`, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ domain: `nullmx.${ZONE}`, mx_source: 'null_mx', error: null, mx: [] });
  });

  it.each([
    [`missing.${ZONE}`, 'nxdomain'],
    ['www.broken.test', 'servfail'],
  ])('exits 1 with the DNS error for %s', async (domain, reason) => {
    const { code, out } = await run([domain, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ domain, mx_source: null, error: { stage: 'dns', reason }, mx: [] });
  });

  it('exits 1 for an MX host without addresses and for an MX naming an alias', async () => {
    const noaddr = await run([`noaddr.${ZONE}:${port}`, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(noaddr.code).toBe(1);
    expect(JSON.parse(noaddr.out).mx[0]).toMatchObject({ host: `bare.${ZONE}`, error: { reason: 'no_address' }, addresses: [] });
    const cname = await run([`cname.${ZONE}:${port}`, '--mx', '--dns-server', knot.servers[0]!, '--json']);
    expect(cname.code).toBe(1);
    expect(JSON.parse(cname.out).mx[0]).toMatchObject({ host: `alias.${ZONE}`, error: { reason: 'mx_cname' }, addresses: [{ address: '127.0.0.13', probe: { success: true } }] });
  });

  it('resolves the single-host form at --dns-server and keeps the host name for TLS and the JSON', async () => {
    const { code, out } = await run([`mx2.${ZONE}:${port}`, '--dns-server', knot.servers[0]!, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ target: `mx2.${ZONE}:${port}`, host: `mx2.${ZONE}`, address: '127.0.0.13', success: true });
    const missing = await run([`nope.${ZONE}:${port}`, '--dns-server', knot.servers[0]!]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('does not exist (NXDOMAIN)');
  });

  it.each([
    [['example.test', '--mx', '--dns-server', 'not a server'], '--dns-server'],
    [['127.0.0.1', '--mx'], '--mx takes a mail domain'],
    [['example.test', '--policy'], '--policy checks a mail domain\'s MTA-STS and DANE: use it with --mx'],
    [['mx.test', '--insecure', '--fail-on-verify-error'], 'contradict'],
  ])('exits 2 for %j', async (argv, message) => {
    const { code, err } = await run(argv as string[]);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});
