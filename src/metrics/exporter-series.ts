// ExporterStatus → the exporter's own health series (no per-target labels).
import type { ExporterStatus } from './exporter-status.js';
import { EXPORTER_METRICS as E, type MetricDefinition } from './metric-definitions.js';
import type { SeriesBuffer } from './series-buffer.js';

function byGroup(buf: SeriesBuffer, def: MetricDefinition, values: Record<string, number>): void {
  for (const group of Object.keys(values).sort()) {
    const v = values[group];
    if (v !== undefined) buf.add(def, null, v, group);
  }
}

export function addExporterSeries(buf: SeriesBuffer, s: ExporterStatus): void {
  buf.add(E.buildInfo, null, 1, s.version, s.revision ?? 'unknown', s.branch ?? 'unknown', s.nodeVersion ?? 'unknown');
  buf.add(E.reloadSuccessful, null, s.configReloadSuccessful ? 1 : 0);
  buf.add(E.reloadSuccessTimestamp, null, s.configLastSuccessTimestamp);
  byGroup(buf, E.targets, s.targetsByGroup);
  buf.add(E.inFlight, null, s.probesInFlight);
  byGroup(buf, E.probes, s.probesTotal);
  byGroup(buf, E.roundsMissed, s.roundsMissed);
  byGroup(buf, E.lateness, s.latenessSeconds);
  buf.add(E.storeErrors, null, s.storeErrors);
}
