// The in-memory view of every target: the scheduler records results into it, /metrics and /api
// read it. Each record replaces the target's object instead of mutating it, so a reader holding a
// snapshot never sees a half-applied result.
//
// What reaches the store, and when: anything a restart must not lose or get wrong is written in the
// same call that learns it — change events with the baseline they moved, the first baseline, failure
// counts (a counter that went backwards after a crash would read as a reset and a burst to rate()),
// a success turning into a failure or back, an extension first seen or forgotten. A routine probe
// that changed none of that (most of them: same capabilities, new timings) is written at most every
// ROUTINE_WRITE_SECONDS per target, and by flush() on shutdown and reload. A crash therefore loses
// at most that long of routine last results, which the next round replaces anyway.
import type { ProbeResult } from '../probe/probe-result.js';
import { baselineFrom, nextBaseline } from './baseline.js';
import { detectChanges } from './change-detection.js';
import { countFailure } from './failure-counts.js';
import { updateKnownExtensions } from './known-extensions.js';
import type { SqliteStateStore } from './sqlite-store.js';
import { shareUnchanged } from './share-unchanged.js';
import { emptyState, trimResult } from './state-codec.js';
import type { ChangeEvent, TargetState } from './types.js';

export interface TargetStatesOptions {
  /** Unix seconds. */
  now: () => number;
  /** Change events older than this are pruned; extensions unseen for longer are forgotten. */
  retentionDays: number;
}

export interface RecordOutcome {
  events: ChangeEvent[];
  /** The store write failed: memory is updated and the exporter keeps running; the caller logs it. */
  storeError: Error | null;
}

/** Pruning runs from record() at most this often, so retention needs no timer of its own. */
const PRUNE_INTERVAL_SECONDS = 3600;

/** How stale a target's stored routine result may get; writing every probe was ~20% of a probe's CPU. */
export const ROUTINE_WRITE_SECONDS = 600;

export class TargetStates {
  private readonly store: SqliteStateStore;
  private readonly now: () => number;
  private readonly retentionSeconds: number;
  private readonly retentionDays: number;
  private readonly states = new Map<string, TargetState>();
  private cachedSnapshot: readonly TargetState[] | null = null;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  /** Unix seconds when each target's row was last written (or read at load). */
  private readonly writtenAt = new Map<string, number>();
  /** Targets whose state in memory is newer than their row. */
  private readonly unwritten = new Set<string>();

  constructor(store: SqliteStateStore, options: TargetStatesOptions) {
    this.store = store;
    this.now = options.now;
    this.retentionDays = options.retentionDays;
    this.retentionSeconds = options.retentionDays * 86_400;
  }

  /** Loads everything from the store (at start-up); throws the store's StoreError. */
  load(): void {
    this.states.clear();
    this.unwritten.clear();
    const now = this.now();
    for (const state of this.store.loadAll()) {
      this.states.set(state.target, state);
      this.writtenAt.set(state.target, now);
    }
    this.cachedSnapshot = null;
  }

  record(target: string, group: string, result: ProbeResult): RecordOutcome {
    const now = this.now();
    let storeError: Error | null = null;
    let previous = this.states.get(target);
    if (previous === undefined) {
      // Dropped by a reload and configured again: its baseline is still in the store.
      try {
        previous = this.store.load(target);
      } catch (error) {
        storeError = asError(error);
      }
    }
    const prev = previous ?? emptyState(target, group);
    result = shareUnchanged(result, prev.last_result, prev.baseline);

    let events: ChangeEvent[] = [];
    let next: TargetState;
    if (result.success) {
      const current = baselineFrom(result);
      // The first successful probe only sets the baseline: there is nothing to compare it with.
      events = prev.baseline === null ? [] : detectChanges(target, prev.baseline, current, now);
      let counts = prev.change_counts;
      if (events.length > 0) {
        counts = { ...counts };
        for (const e of events) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      }
      next = {
        ...prev,
        group,
        last_result: trimResult(result),
        baseline: prev.baseline === null ? current : nextBaseline(prev.baseline, current),
        known_extensions: updateKnownExtensions(prev.known_extensions, result, now, this.retentionSeconds),
        change_counts: counts,
        last_change_at: events.length > 0 ? now : prev.last_change_at,
      };
    } else {
      // A failed probe is never a capability change: the baseline and known extensions stay.
      const failures = result.error === null ? prev.failure_counts : countFailure(prev.failure_counts, result.error);
      next = {
        ...prev,
        group,
        last_result: trimResult(result),
        known_extensions: updateKnownExtensions(prev.known_extensions, null, now, this.retentionSeconds),
        failure_counts: failures,
      };
    }

    this.states.set(target, next);
    this.cachedSnapshot = null;
    if (mustWriteNow(prev, next, events) || now - (this.writtenAt.get(target) ?? Number.NEGATIVE_INFINITY) >= ROUTINE_WRITE_SECONDS) {
      try {
        this.store.save(next, events);
        this.writtenAt.set(target, now);
        this.unwritten.delete(target);
      } catch (error) {
        storeError ??= asError(error);
        this.unwritten.add(target);
      }
    } else {
      this.unwritten.add(target);
    }
    if (now - this.lastPruneAt >= PRUNE_INTERVAL_SECONDS) {
      this.lastPruneAt = now;
      try {
        this.store.prune(now, this.retentionDays);
      } catch (error) {
        storeError ??= asError(error);
      }
    }
    return { events, storeError };
  }

  get(target: string): TargetState | undefined {
    return this.states.get(target);
  }

  /** Every state held in memory; the same array until the next record, load or retain. */
  snapshot(): readonly TargetState[] {
    this.cachedSnapshot ??= Object.freeze([...this.states.values()]);
    return this.cachedSnapshot;
  }

  /** Writes every state newer than its row, in one transaction; a store failure is returned, not thrown. */
  flush(): Error | null {
    const now = this.now();
    const pending = [...this.unwritten].flatMap((t) => this.states.get(t) ?? []);
    try {
      this.store.saveAll(pending);
    } catch (error) {
      return asError(error);
    }
    for (const state of pending) this.writtenAt.set(state.target, now);
    this.unwritten.clear();
    return null;
  }

  /**
   * After a reload: forget in memory every target not in `keep`; its rows stay in the store, brought
   * up to date. A failure of that write is returned; the targets are forgotten all the same.
   */
  retain(keep: ReadonlySet<string>): Error | null {
    const dropped = [...this.states.keys()].filter((target) => !keep.has(target));
    const unwritten = dropped.flatMap((t) => (this.unwritten.has(t) ? [this.states.get(t)!] : []));
    for (const target of dropped) {
      this.states.delete(target);
      this.writtenAt.delete(target);
      this.unwritten.delete(target);
    }
    this.cachedSnapshot = null;
    try {
      this.store.saveAll(unwritten);
      return null;
    } catch (error) {
      return asError(error);
    }
  }

  /** The target's change history, newest first (from the store, so it outlives retain()). */
  changes(target: string, limit: number): ChangeEvent[] {
    return this.store.changes(target, limit);
  }
}

/** What a restart must find in the store: see the header. */
function mustWriteNow(prev: TargetState, next: TargetState, events: readonly ChangeEvent[]): boolean {
  return (
    events.length > 0 ||
    prev.baseline === null ||
    prev.group !== next.group ||
    prev.last_result?.success !== next.last_result?.success ||
    next.last_result?.success === false ||
    !sameKeys(prev.known_extensions.plain, next.known_extensions.plain) ||
    !sameKeys(prev.known_extensions.tls, next.known_extensions.tls)
  );
}

function sameKeys(a: Record<string, number>, b: Record<string, number>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in b) {
    if (!Object.hasOwn(a, key)) return false;
    count++;
  }
  return count === Object.keys(a).length;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
