// The /probe registry: a fresh registry per on-demand probe, blackbox-style, with the same
// per-target series /metrics serves, built from that one result.
import type { Registry } from 'prom-client';
import type { Expectations } from '../config/types.js';
import type { ProbeResult } from '../probe/probe-result.js';
import { evaluateExpectations } from '../state/expectations.js';
import { countFailure } from '../state/failure-counts.js';
import type { TargetState } from '../state/types.js';
import { TARGET_METRICS } from './metric-definitions.js';
import { SeriesBuffer } from './series-buffer.js';
import { SnapshotRegistry } from './snapshot-registry.js';
import { addTargetSeries } from './target-series.js';

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

/** `group` is "" for a target outside the config (an empty label is the same as none to Prometheus). */
export function createProbeRegistry(result: ProbeResult, group?: string, expectations?: Expectations): Registry {
  const buf = new SeriesBuffer(Object.values(TARGET_METRICS));
  const evaluated = expectations === undefined ? undefined : evaluateExpectations(expectations, result);
  addTargetSeries(buf, stateOf(result, group ?? ''), { expectations: evaluated });
  // Only families with samples: an ad-hoc probe has no use for empty HELP/TYPE stanzas.
  const present = Object.values(TARGET_METRICS).filter((d) => buf.size(d.name) > 0);
  return new SnapshotRegistry(present, () => buf);
}
