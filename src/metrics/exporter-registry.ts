// The /metrics exposition, and the one place the metrics layer is explained.
//
// A fleet of N targets is ~50 series per target: 10,000 targets are ~500,000 series, 21–48 MB of
// text. Two kinds of families, two ways to render them, one writer (series-writer.ts) for both:
//
// - Per-target families derived from a target's state (CACHED_FAMILIES) are rendered once per
//   recorded probe (prerender) into one UTF-8 fragment per target (target-fragments.ts), packed
//   into shared 64 KB slabs (fragment-slabs.ts) and stored without the metric name and target
//   labels each line repeats, its other labels as a key id shared by all targets
//   (series-writer.ts). A scrape captures the targets' fragments (a new probe replaces a fragment,
//   never writes over it) and puts the lines back together into 64 KB chunks (byte-sink.ts), one
//   family at a time, as the HTTP layer (and its gzip) takes them: no string of the whole
//   exposition, a few chunks in memory at once, nothing for the garbage collector to trace.
//   Measured with test/metrics/scrape-bench.ts and heap-bench.ts, 10,000 targets like mx1 (48 MB of
//   text): the exporter's CPU per scrape over HTTP is 0.75 s when every target is rendered at
//   scrape time, 0.17–0.19 s when all are cached (0.24–0.26 s with gzip, 1.8 MB sent), 0.30 s with
//   a quarter re-probed since the last scrape; the cache costs 0.57 KB per target outside the heap
//   (4.2 KB with whole lines, 1.5 KB without the line's labels as key ids, line-keys.ts) and 0.3 KB
//   of heap. Making the body as it is read instead of whole before sending it took the exporter's
//   RSS at 10,000 STARTTLS targets from 425 to 372 MiB (`npm run bench`) for the same CPU.
// - Prometheus asks for gzip. A probe changes a few families' lines (durations, timestamps); most
//   of the text only changes with a server's capabilities or the fleet. So the gzip body is made of
//   sections compressed on their own (gzip-sections.ts): each family in blocks of BLOCK_TARGETS
//   targets. A family whose lines no render has changed since (TargetFragmentCache.changes), over
//   the same targets, is sent as the bytes compressed then, and so is a block of a changed family
//   none of whose targets changed (TargetFragments.changedAt): targets are listed in their order
//   in the round, so the targets probed since the last scrape are neighbours. 2 MB kept for 49 MB
//   of text. scrape-bench.ts, CPU per gzip scrape: 0.33 → 0.02–0.04 s when no target was probed
//   since the last scrape; with every time of the targets probed since changed, 0.13 → 0.06 s for
//   a quarter of 10,000 targets and 0.44 → 0.11–0.13 s for 5% of 50,000 (whole families, then
//   blocks). The HTTP layer sends a body in slices of 64 KB or more (http/paced-body.ts): the
//   event loop is not held while it is made.
// - The back-off family changes with the clock, not with a state, and has a line per target:
//   written at every scrape from the captured target labels, and for gzip reused while no back-off
//   changed (backoff-family.ts).
// - Fresh families (FRESH_PLAN: watched domains, their mail TLS policies and their targets'
//   verdicts) are written anew at every scrape through the same writer.
// - The exporter's own health (exporter-metrics.ts) and the process/runtime metrics
//   (runtime-metrics.ts) are plain prom-client metrics on `registry`, a registry of our own
//   (never prom-client's global one): a handful of series, appended after ours.
//
// /probe renders its one target through the same writer (probe-exposition.ts). Family order, HELP,
// TYPE and the blank line between families are prom-client's, so the text is one exposition.
import { Registry } from 'prom-client';
import type { TargetState } from '../state/types.js';
import { backoffText, backoffValues, type BackoffValues } from './backoff-family.js';
import { ByteSink, DEFAULT_CHUNK_BYTES } from './byte-sink.js';
import { addDomainSeries } from './domain-series.js';
import { registerExporterMetrics } from './exporter-metrics.js';
import type { ExporterStatus, MetricsSource } from './exporter-status.js';
import { DOMAIN_METRICS, POLICY_METRICS } from './metric-definitions.js';
import { addDomainPolicySeries, addTargetPolicySeries } from './policy-series.js';
import { GZIP_HEADER, GzipTrailer, SectionCompressor, type GzipSection } from './gzip-sections.js';
import { FamilyPlan, SeriesWriter, fragmentOffset } from './series-writer.js';
import { CACHED_PLAN, TargetFragmentCache, type TargetFragments } from './target-fragments.js';

export type BodyEncoding = 'identity' | 'gzip';

/** What the HTTP layer serves at /metrics. */
export interface Exposition {
  readonly contentType: string;
  /**
   * The whole exposition as chunks to send one after the other, made as they are taken: UTF-8 text,
   * or one gzip member of it.
   */
  metricsBody(encoding?: BodyEncoding): Promise<Iterable<Buffer>>;
}

/** Families written anew at every scrape, after the cached ones and back-off (the order of the exposition). */
const FRESH_PLAN = new FamilyPlan([...Object.values(DOMAIN_METRICS), ...Object.values(POLICY_METRICS)]);

/** The domains' and policies' series of one scrape. */
function writeFreshSeries(out: SeriesWriter, source: MetricsSource): void {
  addDomainSeries(out, source.domains?.() ?? []);
  addDomainPolicySeries(out, source.domainPolicies?.() ?? []);
  addTargetPolicySeries(out, source.targetPolicies?.() ?? []);
}

/** Offsets in a fragment's header: the labels' start, each family's start, the end. */
const FRAGMENT_WIDTH = CACHED_PLAN.families.length + 2;

/** Every captured fragment's offsets and labels, read once for the passes over the targets. */
interface FragmentTable {
  readonly buffers: readonly Buffer[];
  readonly offsets: Uint32Array;
  readonly labels: readonly Buffer[];
  /** The keys the fragments' lines refer to (line-keys.ts). */
  readonly keys: readonly Uint8Array[];
}

const targetLabels = (f: TargetFragments): Buffer => f.fragment.subarray(fragmentOffset(f.fragment, 0), fragmentOffset(f.fragment, 1));

function fragmentTable(fragments: readonly TargetFragments[], keys: readonly Uint8Array[]): FragmentTable {
  // One dense table: the passes walk it in order instead of chasing 10,000 buffers' headers once
  // per family (236 instead of 169 ms of CPU per warm scrape in scrape-bench.ts).
  const width = FRAGMENT_WIDTH;
  const buffers = fragments.map((f) => f.fragment);
  const offsets = new Uint32Array(buffers.length * width);
  buffers.forEach((f, t) => {
    for (let k = 0; k < width; k++) offsets[t * width + k] = fragmentOffset(f, k);
  });
  return { buffers, offsets, labels: fragments.map(targetLabels), keys };
}

/**
 * Cached family i's lines for the targets of `table` (after the blank line before the family,
 * HELP and TYPE when `header`) as the reader takes them: one pass over the captured fragments, a
 * chunk handed on as soon as it is full. The fragments were captured when the scrape started and
 * are never written over (target-fragments.ts), so the whole body describes the same states
 * however long the client takes to read it.
 */
function* familyText(i: number, table: FragmentTable, sink: ByteSink, header = true): Generator<Buffer> {
  const { buffers, offsets, labels, keys } = table;
  if (header) {
    if (i > 0) sink.writeString('\n');
    sink.writeString(CACHED_PLAN.headers[i]!);
  }
  const open = CACHED_PLAN.opens[i]!;
  for (let t = 0, at = i + 1; t < buffers.length; t++, at += FRAGMENT_WIDTH) {
    const start = offsets[at]!;
    const end = offsets[at + 1]!;
    if (start === end) continue;
    sink.writeFragmentLines(open, labels[t]!, keys, buffers[t]!, start, end);
    if (sink.hasFullChunks) yield* sink.take();
  }
}

/** One section of the gzip body compressed as its text is made: `text`'s chunks, then what `sink` still holds. */
function* compressed(text: Iterable<Buffer>, sink: ByteSink): Generator<Buffer, GzipSection> {
  const compressor = new SectionCompressor();
  for (const chunk of text) yield compressor.add(chunk);
  for (const chunk of sink.finish()) yield compressor.add(chunk);
  return compressor.finish();
}

/**
 * Targets per compressed block of a family. The families of times change for every target probed
 * since the last scrape, and targets are listed in their order in the round (state/target-states.ts),
 * so those probed between two scrapes are neighbours and the other blocks are sent as compressed
 * before. Small enough that a 15 s slice of a large fleet's round dirties few blocks, large enough
 * that a block's sync flush and restarted compression cost nothing measurable (0.1% more bytes).
 */
export const BLOCK_TARGETS = 1024;

/** A block of a family's text as compressed at a scrape whose capture had `stamp` (TargetFragmentCache.stamp). */
interface CompressedBlock {
  readonly stamp: number;
  readonly section: GzipSection;
}

/** A cached family's text as compressed at a scrape: still its text while the roster and its change count are. */
interface CompressedFamily {
  readonly roster: number;
  readonly changes: number;
  readonly blocks: readonly CompressedBlock[];
}

/** The newest changedAt of each block's targets. */
function blockStamps(fragments: readonly TargetFragments[]): Float64Array {
  const stamps = new Float64Array(Math.ceil(fragments.length / BLOCK_TARGETS));
  fragments.forEach((f, t) => {
    const b = Math.floor(t / BLOCK_TARGETS);
    if (f.changedAt > stamps[b]!) stamps[b] = f.changedAt;
  });
  return stamps;
}

/**
 * Expectations and discovery labels are compared by identity to reuse rendered text, then by value
 * (target-fragments.ts), so `source.expectations()` and `source.discovery()` should return the
 * config's own objects: a fresh copy at every call costs a deep comparison per target and scrape.
 */
export class ExporterRegistry implements Exposition {
  /** The exporter's own metrics and the runtime metrics: prom-client's, rendered after ours. */
  readonly registry = new Registry();
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  readonly #cache = new TargetFragmentCache();
  /** Each cached family's text as last compressed, for the gzip body. */
  readonly #compressed: Array<CompressedFamily | undefined> = [];
  /** The back-off family as last compressed, under the key of its text (backoff-family.ts). */
  #backoffCompressed: { readonly key: string; readonly section: GzipSection } | null = null;
  #roster: readonly string[] = [];
  #rosterVersion = 0;
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
    const config = this.source.targetConfig(state.target);
    this.#cache.get(state, config?.expectations, config?.discovery);
  }

  /**
   * The whole exposition as chunks of UTF-8 text, or of one gzip member, made as they are read.
   * The targets, the fresh series and prom-client's part are read now, once; the cached families'
   * lines are copied from fragments captured now, so a scrape describes one moment even when probes
   * are recorded while it streams.
   */
  async metricsBody(encoding: BodyEncoding = 'identity', chunkBytes = DEFAULT_CHUNK_BYTES): Promise<Iterable<Buffer>> {
    const source = this.source;
    const states = source.targets();
    this.#cache.retainOnly(states);
    const configs = states.map((s) => source.targetConfig(s.target));
    const fragments = states.map((s, t) => this.#cache.get(s, configs[t]?.expectations, configs[t]?.discovery));
    // Taken with the fragments, before anything awaits: a probe recorded meanwhile is not in them.
    const roster = this.rosterOf(states);
    const changes = this.#cache.changes.slice();
    const stamp = this.#cache.stamp;
    const labels = `${roster}.${changes[CACHED_PLAN.families.length]}`;
    const backoff = backoffValues(states, configs, source.backoffs(), labels);
    const tail: string[] = ['\n'];
    const fresh = new SeriesWriter(FRESH_PLAN);
    writeFreshSeries(fresh, source);
    fresh.writeExposition({ writeString: (text) => void tail.push(text) });
    this.#scrapeStatus = source.status();
    try {
      tail.push(`\n${await this.registry.metrics()}`);
    } finally {
      this.#scrapeStatus = null;
    }
    if (encoding === 'gzip') return this.gzipBody(fragments, { roster, changes, stamp }, backoff, tail, chunkBytes);
    // Only ever added to: the ids in the captured fragments stay valid while the body streams.
    const keys = this.#cache.keys.bytes;
    return (function* body(): Generator<Buffer> {
      const sink = new ByteSink(chunkBytes);
      const table = fragmentTable(fragments, keys);
      for (let i = 0; i < CACHED_PLAN.families.length; i++) yield* familyText(i, table, sink);
      yield* backoffText(backoff.values, table.labels, sink);
      for (const text of tail) sink.writeString(text);
      yield* sink.finish();
    })();
  }

  /**
   * The gzip body: a cached family whose targets and lines are those of an earlier scrape is sent
   * as the bytes compressed then; the others, and the fresh tail, are compressed as they are made
   * (gzip-sections.ts). Probes change a few families' lines (durations, timestamps); the rest are
   * most of the text and only change with a server's capabilities or the fleet.
   */
  private *gzipBody(
    fragments: readonly TargetFragments[],
    captured: { roster: number; changes: Uint32Array; stamp: number },
    backoff: { values: BackoffValues; key: string },
    tail: readonly string[],
    chunkBytes: number,
  ): Generator<Buffer> {
    const { roster, changes, stamp } = captured;
    yield GZIP_HEADER;
    const trailer = new GzipTrailer();
    // Read only for the blocks compressed anew, once each whatever the number of families.
    const tables = new Map<number, FragmentTable>();
    const blockTable = (b: number): FragmentTable => {
      let table = tables.get(b);
      if (table === undefined) tables.set(b, (table = fragmentTable(fragments.slice(b * BLOCK_TARGETS, (b + 1) * BLOCK_TARGETS), this.#cache.keys.bytes)));
      return table;
    };
    let stamps: Float64Array | null = null;
    for (let i = 0; i < CACHED_PLAN.families.length; i++) {
      const held = this.#compressed[i]?.roster === roster ? this.#compressed[i] : undefined;
      if (held !== undefined && held.changes === changes[i]) {
        for (const block of held.blocks) {
          trailer.add(block.section);
          yield* block.section.pieces;
        }
        continue;
      }
      stamps ??= blockStamps(fragments);
      const blocks: CompressedBlock[] = [];
      for (let b = 0; b < stamps.length || b === 0; b++) {
        const before = held?.blocks[b];
        if (before !== undefined && stamps[b]! <= before.stamp) {
          blocks.push(before);
          trailer.add(before.section);
          yield* before.section.pieces;
          continue;
        }
        const sink = new ByteSink(chunkBytes);
        const text = familyText(i, blockTable(b), sink, b === 0);
        const section = yield* compressed(text, sink);
        blocks.push({ stamp, section });
        trailer.add(section);
      }
      this.#compressed[i] = { roster, changes: changes[i]!, blocks };
    }
    if (this.#backoffCompressed?.key === backoff.key) {
      trailer.add(this.#backoffCompressed.section);
      yield* this.#backoffCompressed.section.pieces;
    } else {
      const sink = new ByteSink(chunkBytes);
      const section = yield* compressed(backoffText(backoff.values, fragments.map(targetLabels), sink), sink);
      this.#backoffCompressed = { key: backoff.key, section };
      trailer.add(section);
    }
    const sink = new ByteSink(chunkBytes);
    for (const text of tail) sink.writeString(text);
    trailer.add(yield* compressed([], sink));
    yield trailer.bytes();
  }

  /** A number that changes whenever the list of targets (which, in which order) does. */
  private rosterOf(states: readonly TargetState[]): number {
    const held = this.#roster;
    if (held.length !== states.length || states.some((s, i) => s.target !== held[i])) {
      this.#roster = states.map((s) => s.target);
      this.#rosterVersion++;
    }
    return this.#rosterVersion;
  }

  /** The same exposition as one string (tests, the golden file). */
  async metrics(): Promise<string> {
    return Buffer.concat([...(await this.metricsBody())]).toString('utf8');
  }
}

export function createExporterRegistry(source: MetricsSource): ExporterRegistry {
  return new ExporterRegistry(source);
}
