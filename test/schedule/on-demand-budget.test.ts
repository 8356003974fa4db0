// An on-demand probe within the scrape's budget: the shorter of the configured timeout and what is
// left of the budget once the allow-list lookup is done (clock injected, the lookup advances it);
// and the configured targets it knows after a reload (its index is built lazily).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import type { ProbeOptions } from '../../src/probe/probe-options.js';
import { OnDemandProber } from '../../src/schedule/on-demand-prober.js';
import { success } from '../state/probe-result-builder.js';

const CONFIG = `
defaults: { timeout: 10s }
probe_endpoint:
  allow: ["198.51.100.0/24", "mail.example.com"]
  per_target_per_minute: 100
  total_per_minute: 1000
groups:
  - name: g
    targets: ["configured.example.org:25"]
`;

function prober(lookupMs: number): { probe: OnDemandProber; timeouts: number[] } {
  let clock = 1_000_000;
  const timeouts: number[] = [];
  const probe = new OnDemandProber(parseConfigText(CONFIG, 'x.yml', { defaultHeloName: 'probe.test' }), new Map(), {
    probe: async (target, options: ProbeOptions) => {
      timeouts.push(options.timeoutSeconds);
      return success({ target: target.target });
    },
    backoffSeconds: () => 0,
    resolve: async () => {
      clock += lookupMs;
      return ['198.51.100.7'];
    },
    now: () => clock,
  });
  return { probe, timeouts };
}

describe('OnDemandProber within a budget', () => {
  it('gives a configured target the shorter of its timeout and the budget', async () => {
    const { probe, timeouts } = prober(0);
    await probe.probe('configured.example.org:25', 4);
    await probe.probe('configured.example.org:25', 30);
    await probe.probe('configured.example.org:25');
    expect(timeouts).toEqual([4, 10, 10]);
  });

  it('counts the allow-list lookup against the budget, and still probes (to time out) when it ate all of it', async () => {
    const { probe, timeouts } = prober(3000);
    await probe.probe('mail.example.com:25', 5);
    await probe.probe('mail.example.com:25', 2.5);
    await probe.probe('mail.example.com:25', 20);
    expect(timeouts).toEqual([2, 0.001, 10]);
  });
});

describe('OnDemandProber after a reload', () => {
  it('knows the targets of the config it was last given, by name and by address', async () => {
    const { probe, timeouts } = prober(0);
    const status = async (input: string) => (await probe.probe(input)).status;
    expect(await status('configured.example.org:25')).toBe('ok');
    const reloaded = CONFIG.replace('defaults: { timeout: 10s }', 'defaults: { timeout: 7s }').replace(
      'targets: ["configured.example.org:25"]',
      'targets: [{ name: eu/relay, target: "relay.example.net:587" }]',
    );
    probe.apply(parseConfigText(reloaded, 'x.yml', { defaultHeloName: 'probe.test' }), new Map());
    expect(await status('eu/relay')).toBe('ok');
    expect(await status('relay.example.net:587')).toBe('ok');
    expect(timeouts).toEqual([10, 7, 7]);
  });
});
