// The exporter's own health (EXPORTER_METRICS, a handful of series without per-target labels) as
// ordinary prom-client metrics on the exporter's registry, each with a collect() that reads the
// status at scrape time, as prom-client intends; the runtime metrics sit in the same registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExporterStatus } from './exporter-status.js';
import { EXPORTER_METRICS as E, type MetricDefinition } from './metric-definitions.js';

type Status = () => ExporterStatus;

function gauge(registry: Registry, def: MetricDefinition, collect: (g: Gauge) => void): void {
  new Gauge({ name: def.name, help: def.help, labelNames: def.labels, registers: [registry], collect() { this.reset(); collect(this); } });
}

function counter(registry: Registry, def: MetricDefinition, collect: (c: Counter) => void): void {
  new Counter({ name: def.name, help: def.help, labelNames: def.labels, registers: [registry], collect() { this.reset(); collect(this); } });
}

/** Sorted by group, so the order of the series does not depend on the order groups were counted in. */
function byGroup(values: Record<string, number>, set: (labels: { group: string }, value: number) => void): void {
  for (const group of Object.keys(values).sort()) {
    const v = values[group];
    if (v !== undefined) set({ group }, v);
  }
}

/** Registers EXPORTER_METRICS on `registry`, in the table's order. */
export function registerExporterMetrics(registry: Registry, status: Status): void {
  gauge(registry, E.buildInfo, (g) => {
    const s = status();
    g.set({ version: s.version, revision: s.revision ?? 'unknown', branch: s.branch ?? 'unknown', nodejs: s.nodeVersion ?? 'unknown' }, 1);
  });
  gauge(registry, E.reloadSuccessful, (g) => g.set(status().configReloadSuccessful ? 1 : 0));
  gauge(registry, E.reloadSuccessTimestamp, (g) => g.set(status().configLastSuccessTimestamp));
  gauge(registry, E.targets, (g) => byGroup(status().targetsByGroup, (l, v) => g.set(l, v)));
  gauge(registry, E.inFlight, (g) => g.set(status().probesInFlight));
  counter(registry, E.probes, (c) => byGroup(status().probesTotal, (l, v) => c.inc(l, v)));
  counter(registry, E.roundsMissed, (c) => byGroup(status().roundsMissed, (l, v) => c.inc(l, v)));
  gauge(registry, E.lateness, (g) => byGroup(status().latenessSeconds, (l, v) => g.set(l, v)));
  counter(registry, E.storeErrors, (c) => c.inc(status().storeErrors));
}
