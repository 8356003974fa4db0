// The /metrics exposition, and the one place the metrics layer is explained.
//
// A fleet of N targets is ~50 series per target: 10,000 targets are ~500,000 series, 21–48 MB of
// text. Two kinds of families, two ways to render them, one writer (series-writer.ts) for both:
//
// - Per-target families derived from a target's state (CACHED_FAMILIES) are rendered once per
//   recorded probe (prerender) into one UTF-8 buffer per target (target-fragments.ts), stored
//   without the metric name and target labels each line repeats (series-writer.ts). A scrape puts
//   the lines back together into 64 KB chunks (byte-sink.ts), one family at a time, and hands the
//   chunks to the HTTP layer: no string of the whole exposition, nothing for the garbage collector
//   to trace. Measured on 2 shared cores (load 7–9) with test/metrics/scrape-bench.ts and
//   heap-bench.ts, 10,000 targets like mx1 (48 MB of text): the exporter's CPU per scrape over
//   HTTP is 1.4 s when every target is rendered at scrape time, 0.34 s when all are cached (0.22–
//   0.25 s of it assembling the chunks), 0.48 s with a quarter re-probed since the last scrape;
//   the cache costs 1.4 KB per target outside the heap (4.2 KB with whole lines, ~0.1 s less CPU
//   per scrape) and 0.3 KB of heap.
// - Fresh families (FRESH_PLAN: back-off, watched domains, and any family that changes with
//   the clock rather than with a state) are written anew at every scrape through the same writer;
//   they are one series per target at most.
// - The exporter's own health (exporter-metrics.ts) and the process/runtime metrics
//   (runtime-metrics.ts) are plain prom-client metrics on `registry`, a registry of our own
//   (never prom-client's global one): a handful of series, appended after ours.
//
// /probe renders its one target through the same writer (probe-exposition.ts). Family order, HELP,
// TYPE and the blank line between families are prom-client's, so the text is one exposition.
import { Registry } from 'prom-client';
import type { TargetState } from '../state/types.js';
import { ByteSink, DEFAULT_CHUNK_BYTES } from './byte-sink.js';
import { addDomainSeries } from './domain-series.js';
import { registerExporterMetrics } from './exporter-metrics.js';
import type { ExporterStatus, MetricsSource } from './exporter-status.js';
import { DOMAIN_METRICS, POLICY_METRICS, TARGET_METRICS } from './metric-definitions.js';
import { addDomainPolicySeries, addTargetPolicySeries } from './policy-series.js';
import { FamilyPlan, SeriesWriter, fragmentOffset } from './series-writer.js';
import { CACHED_PLAN, TargetFragmentCache, sharedLabelsOf, type TargetFragments } from './target-fragments.js';

/** What the HTTP layer serves at /metrics. */
export interface Exposition {
  readonly contentType: string;
  /** The whole exposition as UTF-8 chunks to send one after the other. */
  metricsChunks(): Promise<Buffer[]>;
}

/** Families written anew at every scrape, after the cached ones (the order of the exposition). */
const FRESH_PLAN = new FamilyPlan([TARGET_METRICS.backoff, ...Object.values(DOMAIN_METRICS), ...Object.values(POLICY_METRICS)]);

/** Fresh series of one scrape, for the targets whose cached text the scrape copies. */
function writeFreshSeries(out: SeriesWriter, source: MetricsSource, fragments: readonly TargetFragments[]): void {
  for (const f of fragments) {
    const backoff = source.backoffSeconds(f.state.target);
    if (backoff !== undefined) out.add(TARGET_METRICS.backoff, sharedLabelsOf(f), backoff);
  }
  addDomainSeries(out, source.domains?.() ?? []);
  addDomainPolicySeries(out, source.domainPolicies?.() ?? []);
  addTargetPolicySeries(out, source.targetPolicies?.() ?? []);
}

/**
 * Every cached family's sample lines for all targets, copied out in one pass over the targets:
 * one pass per family touched each of 10,000 fragments 27 times over, and the cache misses of
 * that cost more than the copying itself.
 */
function columnsOf(fragments: readonly TargetFragments[], chunkBytes: number): Buffer[][] {
  const sinks = CACHED_PLAN.families.map(() => new ByteSink(chunkBytes));
  const opens = CACHED_PLAN.opens;
  for (const { fragment: f } of fragments) {
    const labels = f.subarray(fragmentOffset(f, 0), fragmentOffset(f, 1));
    let start = fragmentOffset(f, 1);
    for (let i = 0; i < sinks.length; i++) {
      const end = fragmentOffset(f, i + 2);
      if (start < end) sinks[i]!.writeLines(opens[i]!, labels, f, start, end);
      start = end;
    }
  }
  return sinks.map((sink) => sink.finish());
}

/**
 * Expectations and discovery labels are compared by identity to reuse rendered text, so
 * `source.expectations()` and `source.discovery()` should return the config's own objects.
 */
export class ExporterRegistry implements Exposition {
  /** The exporter's own metrics and the runtime metrics: prom-client's, rendered after ours. */
  readonly registry = new Registry();
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #cache = new TargetFragmentCache();
  /** The status read once for a scrape of ours; null when prom-client's registry is read on its own. */
  #scrapeStatus: ExporterStatus | null = null;

  constructor(private readonly source: MetricsSource) {
    // Counting targets by group walks the fleet: once per scrape, not once per family.
    registerExporterMetrics(this.registry, () => this.#scrapeStatus ?? source.status());
  }

  /**
   * Renders a target's text now, as soon as its state is recorded, so that a scrape only copies
   * cached bytes. Costs the same as rendering at scrape time when the schedule is no faster than
   * the scrape interval (each state is rendered once either way), more when it is faster.
   */
  prerender(state: TargetState): void {
    this.#cache.get(state, this.source.expectations(state.target), this.source.discovery?.(state.target));
  }

  /**
   * The targets are read once and their text copied synchronously, so the whole of one scrape
   * describes the same states even when a probe is recorded (and its buffer overwritten) while
   * prom-client renders its part.
   */
  async metricsChunks(chunkBytes = DEFAULT_CHUNK_BYTES): Promise<Buffer[]> {
    const source = this.source;
    const states = source.targets();
    this.#cache.retainOnly(states);
    const fragments = states.map((s) => this.#cache.get(s, source.expectations(s.target), source.discovery?.(s.target)));
    const columns = columnsOf(fragments, chunkBytes);
    const fresh = new SeriesWriter(FRESH_PLAN);
    writeFreshSeries(fresh, source, fragments);

    const out = new ByteSink(chunkBytes);
    CACHED_PLAN.families.forEach((_, i) => {
      if (i > 0) out.writeString('\n');
      out.writeString(CACHED_PLAN.headers[i]!);
      out.writeChunks(columns[i]!);
    });
    out.writeString('\n');
    fresh.writeExposition(out);
    this.#scrapeStatus = source.status();
    try {
      out.writeString(`\n${await this.registry.metrics()}`);
    } finally {
      this.#scrapeStatus = null;
    }
    return out.finish();
  }

  /** The same exposition as one string (tests, the golden file). */
  async metrics(): Promise<string> {
    return Buffer.concat(await this.metricsChunks()).toString('utf8');
  }
}

export function createExporterRegistry(source: MetricsSource): ExporterRegistry {
  return new ExporterRegistry(source);
}
