// The /metrics registry: every series rebuilt from the MetricsSource at scrape time, no I/O.
import type { TargetState } from '../state/types.js';
import type { MetricsSource } from './exporter-status.js';
import { addDomainSeries } from './domain-series.js';
import { addDomainPolicySeries, addTargetPolicySeries } from './policy-series.js';
import { addExporterSeries } from './exporter-series.js';
import { ALL_METRICS, DOMAIN_METRICS, EXPORTER_METRICS, POLICY_METRICS, TARGET_METRICS } from './metric-definitions.js';
import { ByteSink, DEFAULT_CHUNK_BYTES } from './byte-sink.js';
import { SeriesBuffer, type SampleValue } from './series-buffer.js';
import { SnapshotRegistry, type Snapshot } from './snapshot-registry.js';
import { CACHED_FAMILIES, TargetFragmentCache, evaluatedExpectations, type TargetFragments } from './target-fragments.js';
import { addTargetSeries } from './target-series.js';

/** Every series as a SeriesBuffer: the straightforward path, used for JSON and by tests. */
export function buildExporterSeries(source: MetricsSource, states: readonly TargetState[] = source.targets()): SeriesBuffer {
  const buf = new SeriesBuffer(ALL_METRICS);
  for (const state of states) {
    const expectations = evaluatedExpectations(state, source.expectations(state.target));
    addTargetSeries(buf, state, { expectations, backoffSeconds: source.backoffSeconds(state.target), discovery: source.discovery?.(state.target) });
  }
  addFreshSeries(buf, source);
  return buf;
}

/** The families rebuilt at every scrape from the source's accessors, after the targets' own. */
function addFreshSeries(buf: SeriesBuffer, source: MetricsSource): void {
  addDomainSeries(buf, source.domains?.() ?? []);
  addDomainPolicySeries(buf, source.domainPolicies?.() ?? []);
  addTargetPolicySeries(buf, source.targetPolicies?.() ?? []);
  addExporterSeries(buf, source.status());
}

const FRESH_FAMILIES = [TARGET_METRICS.backoff, ...Object.values(DOMAIN_METRICS), ...Object.values(POLICY_METRICS), ...Object.values(EXPORTER_METRICS)];

/**
 * One scrape: cached per-target text for state-derived families, fresh series for the rest. The
 * first family asked for gathers every cached family at once (columnsOf), so all of one scrape's
 * text comes from the same states even if a probe is recorded, and its fragment overwritten,
 * while the rest of the scrape is written out.
 */
class FragmentSnapshot implements Snapshot {
  /** Read once: text and JSON of one scrape describe the same targets. */
  private readonly states: readonly TargetState[];
  private prepared: { columns: Buffer[][]; fresh: SeriesBuffer } | null = null;
  private full: SeriesBuffer | null = null;

  constructor(
    private readonly source: MetricsSource,
    private readonly cache: TargetFragmentCache,
  ) {
    this.states = source.targets();
  }

  private prepare(chunkBytes = DEFAULT_CHUNK_BYTES): { columns: Buffer[][]; fresh: SeriesBuffer } {
    if (this.prepared !== null) return this.prepared;
    this.cache.retainOnly(this.states);
    const fresh = new SeriesBuffer(FRESH_FAMILIES);
    const fragments = this.states.map((state) => {
      const f = this.cache.get(state, this.source.expectations(state.target), this.source.discovery?.(state.target));
      const backoff = this.source.backoffSeconds(state.target);
      if (backoff !== undefined) fresh.add(TARGET_METRICS.backoff, f.shared, backoff);
      return f;
    });
    addFreshSeries(fresh, this.source);
    this.prepared = { columns: columnsOf(fragments, chunkBytes), fresh };
    return this.prepared;
  }

  renderInto(out: string[], name: string, type: string): void {
    const { columns, fresh } = this.prepare();
    const i = CACHED_INDEX.get(name);
    if (i === undefined) return fresh.renderInto(out, name, type);
    out.push(SeriesBuffer.header(CACHED_FAMILIES[i]!, type));
    if (columns[i]!.length > 0) out.push(Buffer.concat(columns[i]!).toString('utf8'));
  }

  renderBytes(out: ByteSink, name: string, type: string, chunkBytes: number): void {
    const { columns, fresh } = this.prepare(chunkBytes);
    const i = CACHED_INDEX.get(name);
    if (i === undefined) {
      const text: string[] = [];
      fresh.renderInto(text, name, type);
      for (const t of text) out.writeString(t);
      return;
    }
    out.writeString(SeriesBuffer.header(CACHED_FAMILIES[i]!, type));
    out.writeChunks(columns[i]!);
  }

  samples(name: string): SampleValue[] {
    this.full ??= buildExporterSeries(this.source, this.states);
    return this.full.samples(name);
  }
}

const CACHED_INDEX = new Map(CACHED_FAMILIES.map((d, i) => [d.name, i]));

/**
 * Every cached family's sample lines for all targets, copied out in one pass over the targets:
 * one pass per family touched each of 10,000 fragments 27 times over, and the cache misses of
 * that cost more than the copying itself.
 */
function columnsOf(fragments: readonly TargetFragments[], chunkBytes: number): Buffer[][] {
  const sinks = CACHED_FAMILIES.map(() => new ByteSink(chunkBytes));
  for (const { fragment: f } of fragments) {
    const offsets = f.offsets;
    for (let i = 0; i < sinks.length; i++) {
      if (offsets[i]! < offsets[i + 1]!) sinks[i]!.writeBytes(f.bytes, offsets[i]!, offsets[i + 1]!);
    }
  }
  return sinks.map((sink) => sink.finish());
}

/**
 * A registry of our own (never prom-client's global one). Expectations are compared by identity
 * to reuse rendered text, so `source.expectations()` should return the config's own objects.
 */
export class ExporterRegistry extends SnapshotRegistry {
  readonly #cache: TargetFragmentCache;
  readonly #source: MetricsSource;

  constructor(source: MetricsSource) {
    const cache = new TargetFragmentCache();
    super(ALL_METRICS, () => new FragmentSnapshot(source, cache));
    this.#cache = cache;
    this.#source = source;
  }

  /**
   * Renders a target's text now, as soon as its state is recorded, so that a scrape only copies
   * cached bytes: rendering 10,000 freshly probed targets at scrape time held /metrics for most
   * of a second. Costs the same as rendering at scrape time when the schedule is no faster than
   * the scrape interval (each state is rendered once either way), more when it is faster.
   */
  prerender(state: TargetState): void {
    this.#cache.get(state, this.#source.expectations(state.target), this.#source.discovery?.(state.target));
  }
}

export function createExporterRegistry(source: MetricsSource): ExporterRegistry {
  return new ExporterRegistry(source);
}
