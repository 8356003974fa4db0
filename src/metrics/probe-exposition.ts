// The /probe exposition: one on-demand result rendered blackbox-style, fresh per probe, with the
// same per-target series /metrics serves, through the same writer (see exporter-registry.ts).
import type { Expectations } from '../config/types.js';
import type { ProbeResult } from '../probe/probe-result.js';
import { evaluateExpectations } from '../state/expectations.js';
import { countFailure } from '../state/failure-counts.js';
import type { TargetState } from '../state/types.js';
import { TARGET_METRICS } from './metric-definitions.js';
import { FamilyPlan, SeriesWriter } from './series-writer.js';
import { addTargetSeries } from './target-series.js';

/** The content type of /probe, the text format 0.0.4 like /metrics. */
export const PROBE_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const PLAN = new FamilyPlan(Object.values(TARGET_METRICS));

/** A one-probe state: no baseline or history, so no "removed" or change series; a failure counts once. */
function stateOf(result: ProbeResult, group: string): TargetState {
  return {
    target: result.target,
    group,
    last_result: result,
    baseline: null,
    known_extensions: { plain: {}, tls: {} },
    change_counts: {},
    last_change_at: null,
    failure_counts: result.error === null ? {} : countFailure({}, result.error),
    backoff: null,
  };
}

/**
 * `group` is "" for a target outside the config (an empty label is the same as none to
 * Prometheus). Only families with samples: an ad-hoc probe has no use for empty HELP/TYPE stanzas.
 */
export function probeExposition(result: ProbeResult, group?: string, expectations?: Expectations): string {
  const writer = new SeriesWriter(PLAN);
  const evaluated = expectations === undefined ? undefined : evaluateExpectations(expectations, result);
  addTargetSeries(writer, stateOf(result, group ?? ''), { expectations: evaluated });
  const pieces: string[] = [];
  writer.writeExposition({ writeString: (text) => void pieces.push(text) }, true);
  return pieces.join('');
}
