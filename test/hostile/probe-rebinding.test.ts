// /probe cannot be turned into a relay into the exporter's own network: a name allowed by the
// allow list that resolves (or re-resolves) to loopback, link-local or a metadata service is
// refused through the real route, and an allowed probe connects to the address that was checked,
// never to the name a second time (DNS rebinding with a short TTL).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/probe/probe-result.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { buildServer } from '../../src/http/server.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import type { ProbeOptions } from '../../src/probe/probe-options.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import type { TargetAddress } from '../../src/probe/target-address.js';
import { OnDemandProber } from '../../src/schedule/on-demand-prober.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { fakeDeps } from '../http/fake-deps.js';
import { success } from '../state/probe-result-builder.js';

const CONFIG = `
probe_endpoint:
  allow: ["mail.example.com", "mx1.example.net", "198.51.100.0/24"]
  per_target_per_minute: 100
  total_per_minute: 1000
groups:
  - name: g
    targets: ["configured.example.org:25"]
`;

interface Harness {
  inject(target: string): Promise<{ status: number; code: string | undefined; body: string }>;
  probes: { target: TargetAddress; options: ProbeOptions }[];
  lookups: string[];
}

let closeApp: (() => Promise<void>) | null = null;
afterEach(async () => {
  await closeApp?.();
  closeApp = null;
});

function harness(dns: (host: string, nth: number) => string[], probe?: (t: TargetAddress, o: ProbeOptions) => Promise<ProbeResult>): Harness {
  const config = parseConfigText(CONFIG, 'ehlo-exporter.yml', { defaultHeloName: 'probe.test' });
  const probes: Harness['probes'] = [];
  const lookups: string[] = [];
  const prober = new OnDemandProber(config, new Map(), {
    probe: async (target, options) => {
      probes.push({ target, options });
      return probe ? probe(target, options) : success({ target: target.target });
    },
    backoffSeconds: () => 0,
    resolve: async (host) => {
      lookups.push(host);
      return dns(host, lookups.length);
    },
  });
  const app = buildServer(fakeDeps({ probeOnDemand: (t) => prober.probe(t) }));
  closeApp = () => app.close();
  return {
    probes,
    lookups,
    async inject(target) {
      const r = await app.inject(`/probe?target=${encodeURIComponent(target)}`);
      return { status: r.statusCode, code: r.headers['x-error-code'] as string | undefined, body: r.body };
    },
  };
}

describe('/probe and DNS rebinding', () => {
  it.each([
    ['mail.example.com', ['127.0.0.1'], 'loopback'],
    ['mail.example.com', ['169.254.169.254'], 'cloud metadata'],
    ['mx1.example.net', ['169.254.10.1'], 'link-local'],
    ['mx1.example.net', ['100.100.100.200'], 'cloud metadata'],
    ['mail.example.com', ['::1'], 'loopback'],
    ['mail.example.com', ['fd00:ec2::254'], 'cloud metadata'],
    ['mail.example.com', ['0.0.0.0'], 'unspecified'],
    ['mail.example.com', ['192.0.2.10', '127.0.0.1'], 'loopback'],
  ])('an allowed name that resolves to %s → %j is refused with 403 (%s), and nothing is probed', async (host, addresses, kind) => {
    const h = harness(() => addresses);
    const r = await h.inject(`${host}:25`);
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_TARGET_FORBIDDEN');
    expect(r.body).toContain(`a ${kind} address; only a CIDR entry can allow it`);
    expect(h.probes).toEqual([]);
  });

  it('an address literal of loopback or metadata is refused unless a CIDR names it', async () => {
    const h = harness(() => []);
    for (const target of ['127.0.0.1:25', '[::1]:25', '169.254.169.254:80']) {
      expect((await h.inject(target)).status, target).toBe(403);
    }
    expect((await h.inject('198.51.100.7:25')).status).toBe(200);
    expect(h.probes.map((p) => p.target.host)).toEqual(['198.51.100.7']);
  });

  it('a name not on the list is refused even when it resolves to an allowed-looking address', async () => {
    const h = harness(() => ['192.0.2.10']);
    const r = await h.inject('evil.example.org:25');
    expect(r.status).toBe(403);
    expect(h.probes).toEqual([]);
  });

  it('an allowed probe connects to the checked address, with the name kept for TLS, whatever a second lookup would say', async () => {
    // First answer public, every later one loopback: the rebinding attack.
    const h = harness((_host, nth) => (nth === 1 ? ['192.0.2.10'] : ['127.0.0.1']));
    const r = await h.inject('mail.example.com:2525');
    expect(r.status).toBe(200);
    expect(h.lookups).toEqual(['mail.example.com']);
    expect(h.probes).toHaveLength(1);
    expect(h.probes[0]!.target).toEqual({ target: 'mail.example.com:2525', host: '192.0.2.10', port: 2525 });
    expect(h.probes[0]!.options.tls.serverName).toBe('mail.example.com');
  });

  it('over a real socket: the probe reaches the checked address of a name that exists nowhere but in the resolver', async () => {
    const server = await ScriptedSmtpServer.start({ capabilities: ['SIZE 4242'] });
    try {
      // 127.0.0.0/8 allowed explicitly by a CIDR; "mx.rebind.invalid" cannot resolve in real DNS
      // (RFC 6761), so success proves the probe used the checked address and looked nothing up.
      const config = parseConfigText(`${CONFIG.replace('"198.51.100.0/24"', '"127.0.0.0/8"')}`, 'x.yml', { defaultHeloName: 'probe.test' });
      const prober = new OnDemandProber(config, new Map(), { probe: probeTarget, backoffSeconds: () => 0, resolve: async () => ['127.0.0.1'] });
      const outcome = await prober.probe(`mx.rebind.invalid:${server.port}`);
      expect(outcome.status).toBe('ok');
      if (outcome.status !== 'ok') return;
      expect(outcome.result.success).toBe(true);
      expect(outcome.result.address).toBe('127.0.0.1');
      expect(capabilitiesOf(outcome.result).size.limit_bytes).toBe(4242);
      expect(net.isIP(outcome.result.host)).toBe(4);
    } finally {
      await server.close();
    }
  });
});
