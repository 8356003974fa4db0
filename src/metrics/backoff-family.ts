// smtp_probe_backoff_seconds: a line for every probed target at every scrape, 0 unless a 421
// back-off is under way. It changes with the clock, so it is not in a target's cached text; but
// nearly every line is 0 and stays 0. Written from the target labels the scrape captured with
// the fragments (no string per target), and, for gzip, its compressed text is reused while the
// targets and the back-offs under way are those of the earlier scrape. Written per target as
// fresh series (a label string and a formatted line each) it was the largest part of what a paused
// scrape of 50,000 targets did before its first byte (the bench's CPU profile: 0.79 of 1.79 s over
// its scrapes, three config lookups per target another 0.3 s); scrape-bench.ts, 50,000 targets,
// CPU per gzip scrape with nothing probed since: 126 -> 60 ms.
import type { ByteSink } from './byte-sink.js';
import type { TargetMetricsConfig } from './exporter-status.js';
import { TARGET_METRICS } from './metric-definitions.js';
import { familyHeader, formatValue, layoutOf } from './text-format.js';

const BACKOFF = TARGET_METRICS.backoff;
const LAYOUT = layoutOf(BACKOFF);
const HEADER = familyHeader(BACKOFF);
const OPEN = Buffer.from(LAYOUT.open);
const ZERO = Buffer.from(`${LAYOUT.close}0\n`);

/** A captured target's back-off line: NaN for a state that is not a probed target (no line). */
export type BackoffValues = Float64Array;

/**
 * Each target's value, from its config (undefined: the state is not a probed target's) and the
 * back-offs under way; and a key that is equal for two scrapes writing the same text: `labels`
 * names the targets' labels (equal while no target was added, removed, moved or regrouped).
 */
export function backoffValues(targets: readonly { readonly target: string }[], configs: readonly (TargetMetricsConfig | undefined)[], underWay: ReadonlyMap<string, number>, labels: string): { values: BackoffValues; key: string } {
  const values = new Float64Array(targets.length);
  let key = labels;
  for (let t = 0; t < targets.length; t++) {
    if (configs[t] === undefined) {
      values[t] = NaN;
      key += `,${t}-`;
      continue;
    }
    const seconds = underWay.size === 0 ? undefined : underWay.get(targets[t]!.target);
    values[t] = seconds ?? 0;
    if (seconds !== undefined) key += `,${t}=${seconds}`;
  }
  return { values, key };
}

/** The family's text (the blank line before it, HELP, TYPE, a line per probed target), chunk by chunk. */
export function* backoffText(values: BackoffValues, labels: readonly Uint8Array[], sink: ByteSink): Generator<Buffer> {
  sink.writeString('\n');
  sink.writeString(HEADER);
  for (let t = 0; t < values.length; t++) {
    const value = values[t]!;
    if (Number.isNaN(value)) continue;
    const tail = value === 0 ? ZERO : Buffer.from(`${LAYOUT.close}${formatValue(value)}\n`);
    sink.writeLines(OPEN, labels[t]!, tail, 0, tail.length);
    if (sink.hasFullChunks) yield* sink.take();
  }
}
