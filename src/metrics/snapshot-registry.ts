// A prom-client Registry whose table metrics are rebuilt from a snapshot at scrape time.
// prom-client's Gauge hashes and sorts every label set, and its Registry formats each sample
// through generic code; at ~500,000 series per scrape both dominate. Here each table entry is a
// light metric object, and metrics() renders the snapshot directly in prom-client's own layout.
import { Registry, type Metric } from 'prom-client';
import type { MetricDefinition } from './metric-definitions.js';
import type { SeriesBuffer } from './series-buffer.js';

function textType(def: MetricDefinition): string {
  // The 0.0.4 text format has no "info" type; info-style metrics are gauges that are always 1.
  return def.type === 'info' ? 'gauge' : def.type;
}

export class SnapshotRegistry extends Registry {
  private readonly ours = new Map<string, MetricDefinition>();
  private defaultLabelsSet = false;
  /** Shared by the get() calls of one getMetricsAsJSON() pass; see snapshotForPass(). */
  private passSnapshot: SeriesBuffer | null = null;

  constructor(
    definitions: readonly MetricDefinition[],
    private readonly build: () => SeriesBuffer,
  ) {
    super();
    for (const def of definitions) {
      this.ours.set(def.name, def);
      const metric = {
        name: def.name,
        help: def.help,
        type: textType(def),
        labelNames: def.labels,
        aggregator: 'sum',
        get: async () => ({
          name: def.name,
          help: def.help,
          type: textType(def),
          aggregator: 'sum',
          values: this.snapshotForPass().samples(def.name),
        }),
        reset: () => undefined,
      };
      // The Registry needs only name, type, get() and reset(); prom-client's typings want a class.
      this.registerMetric(metric as unknown as Metric);
    }
  }

  /**
   * Registry.getMetricsAsJSON() calls every metric's get() in one synchronous pass: the first get()
   * builds the snapshot and a microtask drops it after that pass, so all families of one call come
   * from the same snapshot and nothing is kept between scrapes.
   */
  private snapshotForPass(): SeriesBuffer {
    if (this.passSnapshot === null) {
      this.passSnapshot = this.build();
      queueMicrotask(() => {
        this.passSnapshot = null;
      });
    }
    return this.passSnapshot;
  }

  override setDefaultLabels(labels: object): void {
    this.defaultLabelsSet = Object.keys(labels).length > 0;
    super.setDefaultLabels(labels);
  }

  /** Same text as Registry.metrics(): families separated by a blank line, ending in a line feed. */
  override async metrics(): Promise<string> {
    // OpenMetrics and default labels are rare here; prom-client's generic path handles them.
    if (this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE || this.defaultLabelsSet) return super.metrics();
    const snapshot = this.build();
    const out: string[] = [];
    for (const metric of this.getMetricsAsArray()) {
      if (out.length > 0) out.push('\n');
      const def = this.ours.get(metric.name);
      if (def !== undefined) snapshot.renderInto(out, def.name, textType(def));
      else out.push(`${await this.getSingleMetricAsString(metric.name)}\n`);
    }
    return out.join('');
  }
}
