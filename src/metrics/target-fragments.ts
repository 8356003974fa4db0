// Each target's cached text (see exporter-registry.ts for why): the sample lines of every cached
// family, valid for one TargetState object. The state layer replaces a target's object on every
// recorded probe instead of mutating it (src/state/target-states.ts), so an object seen before
// renders to the same text. One fragment per target, in shared slabs (fragment-slabs.ts), replaced
// (never written over) by its next render, so a scrape may hold the fragments it started with for
// as long as it streams. Back-off is left out: it changes with the clock, not with the state.
import type { DiscoveredFrom, Expectations } from '../config/types.js';
import { evaluateExpectations } from '../state/expectations.js';
import { sameJson } from '../state/share-unchanged.js';
import type { TargetState } from '../state/types.js';
import { TARGET_METRICS, type MetricDefinition } from './metric-definitions.js';
import { FragmentSlabs } from './fragment-slabs.js';
import { LineKeys } from './line-keys.js';
import { FamilyPlan, SeriesWriter, fragmentOffset, type Fragment } from './series-writer.js';
import { sharedLabels } from './text-format.js';
import { addTargetSeries } from './target-series.js';

/** The per-target families whose text depends only on the state (and configured expectations). */
export const CACHED_FAMILIES: readonly MetricDefinition[] = Object.values(TARGET_METRICS).filter((d) => d !== TARGET_METRICS.backoff);
/** The target's own host and banner are keyed by no other target: written out in its lines. */
export const CACHED_PLAN = new FamilyPlan(CACHED_FAMILIES, [TARGET_METRICS.targetInfo, TARGET_METRICS.bannerInfo]);

export interface TargetFragments {
  /** The state the text was rendered from (compared by identity). */
  readonly state: TargetState;
  /** The expectations object the text was built with (compared by identity, then by value). */
  readonly expectations: Expectations | undefined;
  /** The discovery labels the text was built with (compared by identity, then by value). */
  readonly discovery: DiscoveredFrom | undefined;
  /** The target's labels and the lines of each family of CACHED_FAMILIES, in that order (an empty range when none). */
  readonly fragment: Fragment;
  /** The cache's `stamp` when this target's text last changed (TargetFragmentCache.stamp). */
  readonly changedAt: number;
}

function evaluatedExpectations(state: TargetState, expect: Expectations | undefined): Record<string, boolean> | undefined {
  return expect !== undefined && state.last_result !== null ? evaluateExpectations(expect, state.last_result) : undefined;
}

/**
 * Counts, per family of CACHED_PLAN, renders that changed some target's lines of it: a family whose
 * count and targets are those of the last scrape is the same text (exporter-registry.ts sends it
 * compressed as it was). A changed target label changes every family.
 */
function countChanges(before: Fragment, after: Fragment, changes: Uint32Array): boolean {
  const same = (part: number) =>
    before.compare(after, fragmentOffset(after, part), fragmentOffset(after, part + 1), fragmentOffset(before, part), fragmentOffset(before, part + 1)) === 0;
  const labelsSame = same(0);
  let changed = !labelsSame;
  if (!labelsSame) changes[changes.length - 1]!++;
  for (let i = 0; i < CACHED_PLAN.families.length; i++) {
    if (!labelsSame || !same(i + 1)) {
      changes[i]!++;
      changed = true;
    }
  }
  return changed;
}

export class TargetFragmentCache {
  private readonly byTarget = new Map<string, TargetFragments>();
  private readonly slabs = new FragmentSlabs();
  /** The keys of every cached fragment's lines (line-keys.ts); what a scrape copies them from. */
  readonly keys = new LineKeys();
  /** See countChanges: per cached family, then one more for the target labels (a group moved). */
  readonly changes = new Uint32Array(CACHED_PLAN.families.length + 1);
  /**
   * Counts renders that changed a target's text (any family, or its labels); the changed target's
   * fragments take the new count as their changedAt. A scrape that captured count S and finds
   * every target of a block at changedAt <= S later knows none of their lines moved since.
   */
  stamp = 0;

  get(state: TargetState, expectations: Expectations | undefined, discovery?: DiscoveredFrom): TargetFragments {
    const held = this.byTarget.get(state.target);
    if (held !== undefined && held.state === state) {
      if (held.expectations === expectations && held.discovery === discovery) return held;
      // A reload makes new config objects: equal ones render the same text, so the text is kept,
      // under the new objects, instead of every target being rendered again at the next scrape.
      if (sameJson(held.expectations, expectations) && sameJson(held.discovery, discovery)) {
        const rekeyed: TargetFragments = { ...held, expectations, discovery };
        this.byTarget.set(state.target, rekeyed);
        return rekeyed;
      }
    }
    const writer = new SeriesWriter(CACHED_PLAN, sharedLabels({ target: state.target, group: state.group }), this.keys);
    addTargetSeries(writer, state, { expectations: evaluatedExpectations(state, expectations), discovery });
    const fragment = writer.finish((bytes) => this.slabs.allocate(bytes));
    const changed = held === undefined || countChanges(held.fragment, fragment, this.changes);
    const fresh: TargetFragments = { state, expectations, discovery, fragment, changedAt: changed ? ++this.stamp : held.changedAt };
    this.byTarget.set(state.target, fresh);
    if (held === undefined) return fresh;
    this.slabs.release(held.fragment);
    this.compactIfWasteful();
    return this.byTarget.get(state.target)!;
  }

  /** Forgets targets no longer among `states` (after a reload removed them); cheap when none were. */
  retainOnly(states: readonly TargetState[]): void {
    if (this.byTarget.size <= states.length) return;
    const keep = new Set(states.map((s) => s.target));
    for (const [target, held] of this.byTarget) {
      if (keep.has(target)) continue;
      this.byTarget.delete(target);
      this.slabs.release(held.fragment);
    }
    this.compactIfWasteful();
  }

  /** Slabs in use and the bytes of the fragments cached in them (for tests). */
  get slabUsage(): { slabs: number; liveBytes: number } {
    return this.slabs.usage;
  }

  /**
   * Moves the fragments of half-empty slabs into new ones, so that the old slabs can be collected
   * once no scrape reads them. A pass over the targets, made when the slabs hold more dead bytes
   * than live ones: rare, as the fragments of a slab are mostly replaced together.
   */
  private compactIfWasteful(): void {
    if (!this.slabs.wasteful) return;
    for (const [target, held] of this.byTarget) {
      if (this.slabs.inSparseSlab(held.fragment)) this.byTarget.set(target, { ...held, fragment: this.slabs.move(held.fragment) });
    }
  }
}
