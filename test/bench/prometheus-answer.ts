// Reading Prometheus's HTTP API answers about its own scrapes of the exporter: the raw samples of a
// range selector (`scrape_duration_seconds{job="…"}[60s]` queried as an instant vector gives every
// sample in the window, no interpolation), checked shape by shape so that a wrong answer says what
// was asked and what came back instead of turning into NaN in the table.
import { percentile } from './schedule-stats.js';

export interface Sample {
  /** Unix seconds. */
  t: number;
  v: number;
}

function fail(query: string, why: string, answer: unknown): never {
  throw new Error(`Prometheus answer to ${query}: ${why}: ${JSON.stringify(answer).slice(0, 300)}`);
}

/** Every sample of every series in an instant query's matrix answer, in time order. */
export function matrixSamples(query: string, answer: unknown): Sample[] {
  const a = answer as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (a === null || typeof a !== 'object') fail(query, 'not a JSON object', answer);
  if (a.status !== 'success') fail(query, `status ${String(a.status)}${a.error === undefined ? '' : ` (${String(a.error)})`}`, answer);
  if (a.data?.resultType !== 'matrix' || !Array.isArray(a.data.result)) fail(query, 'expected a matrix (a range selector)', answer);
  const samples: Sample[] = [];
  for (const series of a.data.result as Array<{ values?: unknown }>) {
    if (!Array.isArray(series.values)) fail(query, 'a series without values', answer);
    for (const pair of series.values as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') fail(query, `a sample that is not [time, "value"]: ${JSON.stringify(pair)}`, answer);
      const v = Number(pair[1]);
      if (Number.isNaN(v) && pair[1] !== 'NaN') fail(query, `a value that is not a number: ${pair[1]}`, answer);
      samples.push({ t: pair[0], v });
    }
  }
  return samples.sort((x, y) => x.t - y.t);
}

export interface PrometheusScrapeFigures {
  /** Scrapes Prometheus attempted in the window (samples of `up`). */
  scrapes: number;
  /** Of those, how many failed (`up == 0`: timeout, sample_limit, bad exposition, refused). */
  failed: number;
  durationP50Seconds: number;
  durationP99Seconds: number;
  durationMaxSeconds: number;
  /**
   * The exporter's part of those scrapes, request to last byte of its answer (scrape-relay.ts): the
   * rest of a scrape's duration is Prometheus's reading, parsing and storing of the samples.
   */
  answerP50Seconds: number;
  answerP99Seconds: number;
  /** `scrape_samples_scraped`, the largest in the window. */
  samples: number;
  /** `scrape_body_size_bytes` (uncompressed), the largest in the window; NaN when Prometheus does not report it. */
  bodyBytes: number;
}

const max = (xs: readonly Sample[]) => xs.reduce((m, s) => Math.max(m, s.v), -Infinity);

/**
 * The window's figures from the samples of `up`, `scrape_duration_seconds`, `scrape_samples_scraped`
 * and `scrape_body_size_bytes`, and the relay's answer times in seconds.
 */
export function scrapeFigures(
  up: readonly Sample[], duration: readonly Sample[], samples: readonly Sample[], body: readonly Sample[], answerSeconds: readonly number[],
): PrometheusScrapeFigures {
  const durations = duration.map((s) => s.v).sort((a, b) => a - b);
  const answers = [...answerSeconds].sort((a, b) => a - b);
  return {
    scrapes: up.length,
    failed: up.filter((s) => s.v === 0).length,
    durationP50Seconds: percentile(durations, 50),
    durationP99Seconds: percentile(durations, 99),
    durationMaxSeconds: durations.at(-1) ?? NaN,
    answerP50Seconds: percentile(answers, 50),
    answerP99Seconds: percentile(answers, 99),
    samples: samples.length > 0 ? max(samples) : NaN,
    bodyBytes: body.length > 0 ? max(body) : NaN,
  };
}
