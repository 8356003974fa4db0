// One target's state as /api/v1/targets shows it: everything but the transcript.
import { toProbeJson, type ProbeResultJson } from '../probe/probe-result.js';
import { flatFailureCounts } from '../state/failure-counts.js';
import type { TargetState } from '../state/types.js';

/** The last result without its transcript (that is what /probe?debug=true is for). */
export type ResultSummary = Omit<ProbeResultJson, 'transcript'>;

export interface TargetSummary {
  target: string;
  group: string;
  last_result: ResultSummary | null;
  baseline: TargetState['baseline'];
  known_extensions: TargetState['known_extensions'];
  change_counts: TargetState['change_counts'];
  last_change_at: number | null;
  failure_counts: Record<string, number>;
}

export function summarise(t: TargetState): TargetSummary {
  let last: ResultSummary | null = null;
  if (t.last_result !== null) {
    const { transcript: _transcript, ...rest } = t.last_result;
    last = toProbeJson(rest);
  }
  return {
    target: t.target,
    group: t.group,
    last_result: last,
    baseline: t.baseline,
    known_extensions: t.known_extensions,
    change_counts: t.change_counts,
    last_change_at: t.last_change_at,
    failure_counts: flatFailureCounts(t.failure_counts),
  };
}
