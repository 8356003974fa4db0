// A prom-client Registry whose table metrics are rebuilt from a snapshot at scrape time.
// prom-client's Gauge hashes and sorts every label set, and its Registry formats each sample
// through generic code; at ~500,000 series per scrape both dominate. Here each table entry is a
// light metric object, and metrics() renders the snapshot directly in prom-client's own layout.
import { Registry, type Metric } from 'prom-client';
import { ByteSink, DEFAULT_CHUNK_BYTES } from './byte-sink.js';
import type { MetricDefinition } from './metric-definitions.js';
import type { SampleValue } from './series-buffer.js';

/** One scrape's series: rendered to text (the fast path) or as objects (getMetricsAsJSON). */
export interface Snapshot {
  renderInto(out: string[], name: string, type: string): void;
  samples(name: string): SampleValue[];
  /** The fast path for /metrics: the family's HELP, TYPE and samples as UTF-8 bytes. */
  renderBytes?(out: ByteSink, name: string, type: string, chunkBytes: number): void;
}

function textType(def: MetricDefinition): string {
  // The 0.0.4 text format has no "info" type; info-style metrics are gauges that are always 1.
  return def.type === 'info' ? 'gauge' : def.type;
}

export class SnapshotRegistry extends Registry {
  private readonly ours = new Map<string, MetricDefinition>();
  private defaultLabelsSet = false;
  /** Shared by the get() calls of one getMetricsAsJSON() pass; see snapshotForPass(). */
  private passSnapshot: Snapshot | null = null;

  constructor(
    definitions: readonly MetricDefinition[],
    private readonly build: () => Snapshot,
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
  private snapshotForPass(): Snapshot {
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
    const pieces = await this.pieces();
    return pieces === null ? super.metrics() : pieces.join('');
  }

  /**
   * The same text as metrics(), UTF-8 encoded, as buffers of about `chunkBytes` each, for
   * streaming. A large fleet's exposition is tens of MB: one string of it costs a large
   * allocation and a full copy before the first byte leaves, and another to encode it for the socket.
   */
  async metricsChunks(chunkBytes = DEFAULT_CHUNK_BYTES): Promise<Buffer[]> {
    if (this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE || this.defaultLabelsSet) return [Buffer.from(await super.metrics())];
    const snapshot = this.build();
    const sink = new ByteSink(chunkBytes);
    let first = true;
    for (const metric of this.getMetricsAsArray()) {
      if (!first) sink.writeString('\n');
      first = false;
      const def = this.ours.get(metric.name);
      if (def === undefined) {
        sink.writeString(`${await this.getSingleMetricAsString(metric.name)}\n`);
      } else if (snapshot.renderBytes !== undefined) {
        snapshot.renderBytes(sink, def.name, textType(def), chunkBytes);
      } else {
        const out: string[] = [];
        snapshot.renderInto(out, def.name, textType(def));
        for (const piece of out) sink.writeString(piece);
      }
    }
    return sink.finish();
  }

  /** The exposition as pieces to concatenate, or null when prom-client's generic path must render it. */
  private async pieces(): Promise<string[] | null> {
    // OpenMetrics and default labels are rare here; prom-client's generic path handles them.
    if (this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE || this.defaultLabelsSet) return null;
    const snapshot = this.build();
    const out: string[] = [];
    for (const metric of this.getMetricsAsArray()) {
      if (out.length > 0) out.push('\n');
      const def = this.ours.get(metric.name);
      if (def !== undefined) snapshot.renderInto(out, def.name, textType(def));
      else out.push(`${await this.getSingleMetricAsString(metric.name)}\n`);
    }
    return out;
  }
}
