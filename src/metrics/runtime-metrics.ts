// The exporter's own process and Node runtime metrics (CPU, memory, file descriptors, start time,
// event-loop lag, heap, GC): prom-client's default collectors, the names every Prometheus client
// library uses, so the usual process alerts and dashboards work unchanged.
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { RUNTIME_METRICS } from './metric-definitions.js';

/** Event-loop delay sampling resolution (ms): prom-client's default, fine enough for a lag alert in seconds. */
const EVENT_LOOP_RESOLUTION_MS = 10;

/**
 * Adds the runtime collectors to `registry`. They read the process they run in and start an
 * event-loop delay monitor and a GC observer that live as long as the process: main.ts enables
 * them once (AppOptions.runtimeMetrics); tests that build an app in the test runner leave them off.
 * Every family prom-client adds that is not in RUNTIME_METRICS (the `_total` gauges promtool
 * rejects, or a new one from a prom-client upgrade) is removed, so the exposition is the table.
 */
export function addRuntimeMetrics(registry: Registry): void {
  const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  const wanted = new Set(RUNTIME_METRICS.map((m) => m.name));
  for (const metric of registry.getMetricsAsArray()) {
    if (!before.has(metric.name) && !wanted.has(metric.name)) registry.removeSingleMetric(metric.name);
  }
}
