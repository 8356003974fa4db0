// The exporter's own process and runtime metrics: the names alerts and dashboards use, values that
// describe this very process, and an exposition that passes promtool with them in it.
import { describe, expect, it } from 'vitest';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { ALL_METRICS, RUNTIME_METRICS } from '../../src/metrics/metric-definitions.js';
import { addRuntimeMetrics } from '../../src/metrics/runtime-metrics.js';
import { GOLDEN_STATES, GOLDEN_STATUS } from '../fixtures/metrics/states.js';
import { expectPromtoolClean } from '../support/promtool.js';
import { parseExposition } from './parse-exposition.js';

/** The names another engineer's alerts and dashboard row are written against: a contract. */
const CONTRACT = [
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'process_open_fds',
  'process_max_fds',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_gc_duration_seconds',
  'process_virtual_memory_bytes',
];

const source: MetricsSource = {
  targets: () => GOLDEN_STATES,
  targetConfig: () => ({}),
  backoffs: () => new Map(),
  status: () => GOLDEN_STATUS,
};

/** Enough short-lived garbage for a few scavenges, so the GC histogram has observations. */
function makeGarbage(): number {
  let kept = 0;
  for (let i = 0; i < 200_000; i++) kept += new Array(64).fill(i).length;
  return kept;
}

describe('runtime metrics', () => {
  it('adds the process and Node runtime families, passes promtool, and describes this process', async (ctx) => {
    const registry = createExporterRegistry(source);
    addRuntimeMetrics(registry.registry);
    // The GC observer and the event-loop monitor report asynchronously, later on a loaded machine:
    // make garbage until a collection has been observed (bounded), instead of one fixed pause.
    let text = '';
    for (let attempt = 0; attempt < 50; attempt++) {
      makeGarbage();
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await registry.metrics();
      if (/^nodejs_gc_duration_seconds_count\{[^}]*\} [1-9]/m.test(text)) break;
    }
    const parsed = parseExposition(text);
    const families = [...parsed.type.keys()].sort();
    expect(families).toEqual([...ALL_METRICS.map((d) => d.name), ...RUNTIME_METRICS.map((m) => m.name)].sort());
    for (const m of RUNTIME_METRICS) expect(parsed.type.get(m.name), m.name).toBe(m.type);
    for (const name of CONTRACT) expect(RUNTIME_METRICS.map((m) => m.name)).toContain(name);

    const value = (name: string): number => {
      const s = parsed.samples.find((x) => x.name === name);
      expect(s, name).toBeDefined();
      return s!.value;
    };
    const rss = value('process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(10 * 2 ** 20);
    expect(Math.abs(rss - process.memoryUsage().rss) / rss).toBeLessThan(0.5);
    const now = Date.now() / 1000;
    expect(value('process_start_time_seconds')).toBeGreaterThan(now - process.uptime() - 5);
    // prom-client rounds the start time to the nearest second: up to half a second after now.
    expect(value('process_start_time_seconds')).toBeLessThanOrEqual(now + 0.5);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('process_open_fds')).toBeGreaterThan(0);
    expect(value('process_open_fds')).toBeLessThanOrEqual(value('process_max_fds'));
    expect(value('process_virtual_memory_bytes')).toBeGreaterThanOrEqual(rss);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(value('nodejs_heap_size_total_bytes'));
    expect(value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    const gcCount = parsed.samples.filter((s) => s.name === 'nodejs_gc_duration_seconds_count').reduce((n, s) => n + s.value, 0);
    expect(gcCount).toBeGreaterThan(0);

    expectPromtoolClean(text, ctx);
  });
});
