// The two expositions: /metrics rebuilt from the source at every scrape, /probe fresh per result.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Gauge, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource, TargetMetricsConfig } from '../../src/metrics/exporter-status.js';
import { probeExposition } from '../../src/metrics/probe-exposition.js';
import type { Expectations } from '../../src/config/types.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATES, GOLDEN_STATUS, mx1, mx2 } from '../fixtures/metrics/states.js';
import { find, parseExposition } from './parse-exposition.js';

function sourceOf(states: () => readonly TargetState[]): MetricsSource & { calls: number } {
  const src = {
    calls: 0,
    targets: () => {
      src.calls++;
      return states();
    },
    targetConfig: () => ({}),
    backoffs: () => new Map(),
    status: () => GOLDEN_STATUS,
  };
  return src;
}

describe('createExporterRegistry', () => {
  it('rebuilds every series from the source at scrape time; removed targets disappear', async () => {
    let states: TargetState[] = [mx1, mx2];
    const registry = createExporterRegistry(sourceOf(() => states));
    let p = parseExposition(await registry.metrics());
    expect(find(p, 'smtp_probe_success').map((s) => s.labels.target)).toEqual([mx1.target, mx2.target]);

    states = [{ ...mx1, last_result: { ...mx1.last_result!, success: false } }];
    p = parseExposition(await registry.metrics());
    expect(find(p, 'smtp_probe_success').map((s) => [s.labels.target, s.value])).toEqual([[mx1.target, 0]]);
    expect(find(p, 'smtp_target_info', { target: mx2.target })).toEqual([]);
  });

  it('re-reads back-off and expectations at every scrape even when a target state is unchanged', async () => {
    let backoff = 30;
    let expect1: Expectations = { min_size_bytes: 1 };
    const registry = createExporterRegistry({
      targets: () => [mx1],
      targetConfig: () => ({ expectations: expect1 }),
      backoffs: () => new Map([[mx1.target, backoff]]),
      status: () => GOLDEN_STATUS,
    });
    let p = parseExposition(await registry.metrics());
    expect(find(p, 'smtp_probe_backoff_seconds')[0]?.value).toBe(30);
    expect(find(p, 'smtp_expectation_met', { expectation: 'min_size_bytes' })[0]?.value).toBe(1);
    backoff = 10;
    expect1 = { min_size_bytes: 100_000_000 };
    p = parseExposition(await registry.metrics());
    expect(find(p, 'smtp_probe_backoff_seconds')[0]?.value).toBe(10);
    expect(find(p, 'smtp_expectation_met', { expectation: 'min_size_bytes' })[0]?.value).toBe(0);
    // Same objects again: the cached text is reused and still right.
    const again = await registry.metrics();
    expect(again).toBe(await registry.metrics());
    expect(find(parseExposition(again), 'smtp_expectation_met', { expectation: 'min_size_bytes' })[0]?.value).toBe(0);
  });

  it('reads the targets and the exporter status once per scrape', async () => {
    let statusReads = 0;
    const src = { ...sourceOf(() => GOLDEN_STATES), status: () => (statusReads++, GOLDEN_STATUS) };
    let targetReads = 0;
    src.targets = () => (targetReads++, GOLDEN_STATES);
    const registry = createExporterRegistry(src);
    await registry.metricsBody();
    expect([targetReads, statusReads]).toEqual([1, 1]);
    await registry.metrics();
    expect([targetReads, statusReads]).toEqual([2, 2]);
    // prom-client's registry read on its own still sees the status.
    expect(await registry.registry.metrics()).toContain('smtp_exporter_probes_in_flight 1');
  });

  it('renders the same text cold and from its cache, each family once, its own health through prom-client', async () => {
    const mx1Expectations: Expectations = { starttls: 'required' };
    const source = {
      ...sourceOf(() => GOLDEN_STATES),
      targetConfig: (t: string): TargetMetricsConfig => (t === mx1.target ? { expectations: mx1Expectations } : {}),
      backoffs: () => new Map([[mx2.target, 5]]),
    };
    const registry = createExporterRegistry(source);
    const cold = await registry.metrics();
    expect(await registry.metrics()).toBe(cold);
    expect(await createExporterRegistry(source).metrics()).toBe(cold);
    const p = parseExposition(cold);
    expect(find(p, 'smtp_probe_backoff_seconds', { target: mx2.target })[0]?.value).toBe(5);
    expect(find(p, 'smtp_expectation_met', { target: mx1.target, expectation: 'starttls_required' })[0]?.value).toBe(1);
    // The exporter's own families are ordinary prom-client metrics on the registry it exposes.
    const builds = await registry.registry.getSingleMetric('smtp_exporter_build_info')!.get();
    expect(builds.values).toEqual([{ labels: { version: '0.0.0-test', revision: GOLDEN_STATUS.revision, branch: 'main', nodejs: '20.0.0' }, value: 1 }]);
    expect(find(p, 'smtp_exporter_probes_total').map((s) => [s.labels.group, s.value])).toEqual(Object.entries(GOLDEN_STATUS.probesTotal).sort());
  });

  it('leaves the global registry alone and can share its registry with other metrics', async () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const registry = createExporterRegistry(sourceOf(() => [mx1]));
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    const extra = new Gauge({ name: 'test_extra_gauge', help: 'An extra gauge.', registers: [registry.registry] });
    extra.set(7);
    const text = await registry.metrics();
    expect(text).toContain('\n\n# HELP test_extra_gauge An extra gauge.\n# TYPE test_extra_gauge gauge\ntest_extra_gauge 7\n');
    expect(text.endsWith('test_extra_gauge 7\n')).toBe(true);
  });
});

describe('probeExposition', () => {
  it('serves the per-target series of one result, without empty families', () => {
    const text = probeExposition(mx1.last_result!, 'mx');
    const p = parseExposition(text);
    expect(find(p, 'smtp_probe_success', { target: mx1.target, group: 'mx' })[0]?.value).toBe(1);
    expect(find(p, 'smtp_extension_advertised', { extension: 'STARTTLS', tls: 'false' })[0]?.value).toBe(1);
    // No history behind one probe: no removed extensions, no changes, no back-off, no exporter health.
    expect(find(p, 'smtp_extension_advertised').every((s) => s.value === 1)).toBe(true);
    expect([...p.help.keys()].filter((n) => find(p, n).length === 0)).toEqual([]);
    expect(p.help.has('smtp_probe_backoff_seconds')).toBe(false);
    expect(p.help.has('smtp_capability_changes_total')).toBe(false);
    expect([...p.help.keys()].some((n) => n.startsWith('smtp_exporter_'))).toBe(false);
  });

  it('counts a failed probe once by stage and reason, and labels group "" outside the config', () => {
    const p = parseExposition(probeExposition(mx2.last_result!));
    expect(find(p, 'smtp_probe_success')[0]).toEqual({ name: 'smtp_probe_success', labels: { target: mx2.target, group: '' }, value: 0 });
    expect(find(p, 'smtp_probe_failures_total').map((s) => [s.labels.stage, s.labels.reason, s.value])).toEqual([['connect', 'refused', 1]]);
  });

  it('evaluates expectations when given', () => {
    const p = parseExposition(probeExposition(mx1.last_result!, 'mx', { required_extensions: ['CHUNKING'] }));
    expect(find(p, 'smtp_expectation_met', { expectation: 'required_extension:CHUNKING' })[0]?.value).toBe(0);
  });

  it('passes promtool check metrics', async (ctx) => {
    if (!existsSync('/usr/bin/promtool')) {
      if (process.env.CI === 'true') throw new Error('/usr/bin/promtool is missing; CI must install it');
      ctx.skip('/usr/bin/promtool not installed (apt install prometheus); required when CI=true');
    }
    const text = probeExposition(mx1.last_result!, 'mx');
    const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  });
});
