// The /metrics registry: every series rebuilt from the MetricsSource at scrape time, no I/O.
import type { Registry } from 'prom-client';
import type { TargetState } from '../state/types.js';
import type { MetricsSource } from './exporter-status.js';
import { addExporterSeries } from './exporter-series.js';
import { ALL_METRICS, EXPORTER_METRICS, TARGET_METRICS } from './metric-definitions.js';
import { SeriesBuffer, type SampleValue } from './series-buffer.js';
import { SnapshotRegistry, type Snapshot } from './snapshot-registry.js';
import { CACHED_FAMILIES, TargetFragmentCache, evaluatedExpectations } from './target-fragments.js';
import { addTargetSeries } from './target-series.js';

/** Every series as a SeriesBuffer: the straightforward path, used for JSON and by tests. */
export function buildExporterSeries(source: MetricsSource, states: readonly TargetState[] = source.targets()): SeriesBuffer {
  const buf = new SeriesBuffer(ALL_METRICS);
  for (const state of states) {
    const expectations = evaluatedExpectations(state, source.expectations(state.target));
    addTargetSeries(buf, state, { expectations, backoffSeconds: source.backoffSeconds(state.target) });
  }
  addExporterSeries(buf, source.status());
  return buf;
}

const FRESH_FAMILIES = [TARGET_METRICS.backoff, ...Object.values(EXPORTER_METRICS)];

/** One scrape: cached per-target text for state-derived families, fresh series for the rest. */
class FragmentSnapshot implements Snapshot {
  /** Read once: text and JSON of one scrape describe the same targets. */
  private readonly states: readonly TargetState[];
  private text: { byFamily: Map<string, string[]>; fresh: SeriesBuffer } | null = null;
  private full: SeriesBuffer | null = null;

  constructor(
    private readonly source: MetricsSource,
    private readonly cache: TargetFragmentCache,
  ) {
    this.states = source.targets();
  }

  private prepareText(): { byFamily: Map<string, string[]>; fresh: SeriesBuffer } {
    if (this.text !== null) return this.text;
    const byFamily = new Map<string, string[]>();
    const fresh = new SeriesBuffer(FRESH_FAMILIES);
    const lists = CACHED_FAMILIES.map((d) => {
      const list: string[] = [];
      byFamily.set(d.name, list);
      return list;
    });
    for (const state of this.states) {
      const f = this.cache.get(state, this.source.expectations(state.target));
      for (let i = 0; i < lists.length; i++) {
        const text = f.text[i]!;
        if (text !== '') lists[i]!.push(text);
      }
      fresh.add(TARGET_METRICS.backoff, f.shared, this.source.backoffSeconds(state.target));
    }
    addExporterSeries(fresh, this.source.status());
    this.text = { byFamily, fresh };
    return this.text;
  }

  renderInto(out: string[], name: string, type: string): void {
    const { byFamily, fresh } = this.prepareText();
    const cached = byFamily.get(name);
    if (cached === undefined) return fresh.renderInto(out, name, type);
    const def = ALL_METRICS.find((d) => d.name === name)!;
    out.push(SeriesBuffer.header(def, type));
    for (const text of cached) out.push(text);
  }

  samples(name: string): SampleValue[] {
    this.full ??= buildExporterSeries(this.source, this.states);
    return this.full.samples(name);
  }
}

/**
 * A registry of our own (never prom-client's global one). Expectations are compared by identity
 * to reuse rendered text, so `source.expectations()` should return the config's own objects.
 */
export function createExporterRegistry(source: MetricsSource): Registry {
  const cache = new TargetFragmentCache();
  return new SnapshotRegistry(ALL_METRICS, () => new FragmentSnapshot(source, cache));
}
