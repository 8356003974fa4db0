// The /metrics exposition, and the one place the metrics layer is explained.
//
// A fleet of N targets is ~50 series per target: 10,000 targets are ~500,000 series, 21–48 MB of
// text. Two kinds of families, two ways to render them, one writer (series-writer.ts) for both:
//
// - Per-target families derived from a target's state (CACHED_FAMILIES) are rendered once per
//   recorded probe (prerender) into one UTF-8 buffer per target (target-fragments.ts), stored
//   without the metric name and target labels each line repeats (series-writer.ts). A scrape
//   captures the targets' buffers (a new probe replaces a buffer, never writes over it) and puts
//   the lines back together into 64 KB chunks (byte-sink.ts), one family at a time, as the HTTP
//   layer (and its gzip) takes them: no string of the whole exposition, a few chunks in memory at
//   once, nothing for the garbage collector to trace. Measured with test/metrics/scrape-bench.ts
//   and heap-bench.ts, 10,000 targets like mx1 (48 MB of text): the exporter's CPU per scrape over
//   HTTP is 0.75 s when every target is rendered at scrape time, 0.17–0.19 s when all are cached
//   (0.24–0.26 s with gzip, 1.8 MB sent), 0.30 s with a quarter re-probed since the last scrape;
//   the cache costs 1.3 KB per target outside the heap (4.2 KB with whole lines) and 0.3 KB of
//   heap. Making the body as it is read instead of whole before sending it took the exporter's
//   RSS at 10,000 STARTTLS targets from 425 to 372 MiB (`npm run bench`) for the same CPU.
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
  /** The whole exposition as UTF-8 chunks to send one after the other, made as they are taken. */
  metricsBody(): Promise<Iterable<Buffer>>;
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
 * The cached families' sample lines, family by family, as the reader takes them: each family is one
 * pass over the targets' fragments, and a chunk is handed on as soon as it is full. The fragments
 * were captured when the scrape started and are never written over (target-fragments.ts), so the
 * whole body describes the same states however long the client takes to read it.
 */
function* cachedFamilies(fragments: readonly TargetFragments[], sink: ByteSink): Generator<Buffer> {
  // Every fragment's offsets read once into one dense table: the passes then walk it in order
  // instead of chasing 10,000 buffers' headers once per family (236 instead of 169 ms of CPU per
  // warm scrape in scrape-bench.ts).
  const width = CACHED_PLAN.families.length + 2;
  const buffers = fragments.map((f) => f.fragment);
  const offsets = new Uint32Array(buffers.length * width);
  buffers.forEach((f, t) => {
    for (let k = 0; k < width; k++) offsets[t * width + k] = fragmentOffset(f, k);
  });
  const labels = buffers.map((f, t) => f.subarray(offsets[t * width]!, offsets[t * width + 1]!));
  for (let i = 0; i < CACHED_PLAN.families.length; i++) {
    if (i > 0) sink.writeString('\n');
    sink.writeString(CACHED_PLAN.headers[i]!);
    const open = CACHED_PLAN.opens[i]!;
    for (let t = 0, at = i + 1; t < buffers.length; t++, at += width) {
      const start = offsets[at]!;
      const end = offsets[at + 1]!;
      if (start === end) continue;
      sink.writeLines(open, labels[t]!, buffers[t]!, start, end);
      if (sink.hasFullChunks) yield* sink.take();
    }
  }
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
   * The whole exposition as UTF-8 chunks, made as they are read. The targets, the fresh series and
   * prom-client's part are read now, once; the cached families' lines are copied from fragments
   * captured now, so a scrape describes one moment even when probes are recorded while it streams.
   */
  async metricsBody(chunkBytes = DEFAULT_CHUNK_BYTES): Promise<Iterable<Buffer>> {
    const source = this.source;
    const states = source.targets();
    this.#cache.retainOnly(states);
    const fragments = states.map((s) => this.#cache.get(s, source.expectations(s.target), source.discovery?.(s.target)));
    const tail: string[] = [];
    const fresh = new SeriesWriter(FRESH_PLAN);
    writeFreshSeries(fresh, source, fragments);
    fresh.writeExposition({ writeString: (text) => void tail.push(text) });
    this.#scrapeStatus = source.status();
    try {
      tail.push(`\n${await this.registry.metrics()}`);
    } finally {
      this.#scrapeStatus = null;
    }
    return (function* body(): Generator<Buffer> {
      const sink = new ByteSink(chunkBytes);
      yield* cachedFamilies(fragments, sink);
      sink.writeString('\n');
      for (const text of tail) sink.writeString(text);
      yield* sink.finish();
    })();
  }

  /** The same exposition as one string (tests, the golden file). */
  async metrics(): Promise<string> {
    return Buffer.concat([...(await this.metricsBody())]).toString('utf8');
  }
}

export function createExporterRegistry(source: MetricsSource): ExporterRegistry {
  return new ExporterRegistry(source);
}
