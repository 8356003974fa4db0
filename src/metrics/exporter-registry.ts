// The /metrics registry: every series rebuilt from the MetricsSource at scrape time, no I/O.
import type { Registry } from 'prom-client';
import { evaluateExpectations } from '../state/expectations.js';
import type { MetricsSource } from './exporter-status.js';
import { addExporterSeries } from './exporter-series.js';
import { ALL_METRICS } from './metric-definitions.js';
import { SeriesBuffer } from './series-buffer.js';
import { SnapshotRegistry } from './snapshot-registry.js';
import { addTargetSeries } from './target-series.js';

export function buildExporterSeries(source: MetricsSource): SeriesBuffer {
  const buf = new SeriesBuffer(ALL_METRICS);
  for (const state of source.targets()) {
    const expect = source.expectations(state.target);
    const expectations =
      expect !== undefined && state.last_result !== null ? evaluateExpectations(expect, state.last_result) : undefined;
    addTargetSeries(buf, state, { expectations, backoffSeconds: source.backoffSeconds(state.target) });
  }
  addExporterSeries(buf, source.status());
  return buf;
}

/** A registry of our own (never prom-client's global one). */
export function createExporterRegistry(source: MetricsSource): Registry {
  return new SnapshotRegistry(ALL_METRICS, () => buildExporterSeries(source));
}
