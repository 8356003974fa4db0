// Rendered text of each target's series, per family, cached by TargetState identity.
// The state layer replaces a target's object on every recorded probe instead of mutating it
// (src/state/target-states.ts), so an object seen before renders to the same text: a scrape then
// only renders targets probed since the last one and joins the rest. A 10,000-target exposition is
// ~48 MB; rendering all of it on every scrape cost ~1 s of CPU, joining cached fragments a small
// fraction. Back-off is left out: it changes with the clock, not with the state.
import type { Expectations } from '../config/types.js';
import { evaluateExpectations } from '../state/expectations.js';
import type { TargetState } from '../state/types.js';
import { TARGET_METRICS, type MetricDefinition } from './metric-definitions.js';
import { SeriesBuffer, sharedLabels, type SharedLabels } from './series-buffer.js';
import { addTargetSeries } from './target-series.js';

/** The per-target families whose text depends only on the state (and configured expectations). */
export const CACHED_FAMILIES: readonly MetricDefinition[] = Object.values(TARGET_METRICS).filter((d) => d !== TARGET_METRICS.backoff);

export interface TargetFragments {
  /** The expectations object the text was built with (compared by identity). */
  readonly expectations: Expectations | undefined;
  readonly shared: SharedLabels;
  /** Sample lines per family of CACHED_FAMILIES, '' when the target has none. */
  readonly text: readonly string[];
}

export function evaluatedExpectations(state: TargetState, expect: Expectations | undefined): Record<string, boolean> | undefined {
  return expect !== undefined && state.last_result !== null ? evaluateExpectations(expect, state.last_result) : undefined;
}

function render(state: TargetState, expectations: Expectations | undefined): TargetFragments {
  const buf = new SeriesBuffer(CACHED_FAMILIES);
  addTargetSeries(buf, state, { expectations: evaluatedExpectations(state, expectations) });
  const text = CACHED_FAMILIES.map((def) => {
    const out: string[] = [];
    buf.renderSamples(out, def.name);
    return out.join('');
  });
  return { expectations, shared: sharedLabels({ target: state.target, group: state.group }), text };
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
