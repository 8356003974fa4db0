// Rendered text of each target's series, per family, cached by TargetState identity.
// The state layer replaces a target's object on every recorded probe instead of mutating it
// (src/state/target-states.ts), so an object seen before renders to the same text: a scrape then
// only renders targets probed since the last one and copies the rest. A 10,000-target exposition
// is ~40 MB; rendering all of it on every scrape cost ~1 s of CPU, copying cached fragments a small
// fraction. The text is kept as UTF-8 bytes (see fragment-writer.ts). Back-off is left out: it
// changes with the clock, not with the state.
import type { Expectations } from '../config/types.js';
import { evaluateExpectations } from '../state/expectations.js';
import type { TargetState } from '../state/types.js';
import { TARGET_METRICS, type MetricDefinition } from './metric-definitions.js';
import { FragmentPlan, FragmentWriter, type Fragment } from './fragment-writer.js';
import { sharedLabels, type SharedLabels } from './series-buffer.js';
import { addTargetSeries } from './target-series.js';

/** The per-target families whose text depends only on the state (and configured expectations). */
export const CACHED_FAMILIES: readonly MetricDefinition[] = Object.values(TARGET_METRICS).filter((d) => d !== TARGET_METRICS.backoff);
const PLAN = new FragmentPlan(CACHED_FAMILIES);

export interface TargetFragments {
  /** The expectations object the text was built with (compared by identity). */
  readonly expectations: Expectations | undefined;
  readonly shared: SharedLabels;
  /** Sample lines of each family of CACHED_FAMILIES, in that order (an empty range when none). */
  readonly fragment: Fragment;
}

export function evaluatedExpectations(state: TargetState, expect: Expectations | undefined): Record<string, boolean> | undefined {
  return expect !== undefined && state.last_result !== null ? evaluateExpectations(expect, state.last_result) : undefined;
}

function render(state: TargetState, expectations: Expectations | undefined): TargetFragments {
  const writer = new FragmentWriter(PLAN);
  addTargetSeries(writer, state, { expectations: evaluatedExpectations(state, expectations) });
  return { expectations, shared: sharedLabels({ target: state.target, group: state.group }), fragment: writer.finish() };
}

export class TargetFragmentCache {
  // Weak: a replaced or removed state's text goes with it.
  private readonly cache = new WeakMap<TargetState, TargetFragments>();

  get(state: TargetState, expectations: Expectations | undefined): TargetFragments {
    const hit = this.cache.get(state);
    if (hit !== undefined && hit.expectations === expectations) return hit;
    const fresh = render(state, expectations);
    this.cache.set(state, fresh);
    return fresh;
  }
}
