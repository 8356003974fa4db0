// The in-memory view of every target: the scheduler records results into it, /metrics and /api
// read it. Each record replaces the target's object instead of mutating it, so a reader holding a
// snapshot never sees a half-applied result.
import type { ProbeResult } from '../probe/probe-result.js';
import { baselineFrom, nextBaseline } from './baseline.js';
import { detectChanges } from './change-detection.js';
import { updateKnownExtensions } from './known-extensions.js';
import type { SqliteStateStore } from './sqlite-store.js';
import { emptyState, trimResult } from './state-codec.js';
import type { ChangeEvent, ChangeKind, TargetState } from './types.js';

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

export class TargetStates {
  private readonly store: SqliteStateStore;
  private readonly now: () => number;
  private readonly retentionSeconds: number;
  private readonly retentionDays: number;
  private readonly states = new Map<string, TargetState>();
  private cachedSnapshot: readonly TargetState[] | null = null;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(store: SqliteStateStore, options: TargetStatesOptions) {
    this.store = store;
    this.now = options.now;
    this.retentionDays = options.retentionDays;
    this.retentionSeconds = options.retentionDays * 86_400;
  }

  /** Loads everything from the store (at start-up); throws the store's StoreError. */
  load(): void {
    this.states.clear();
    for (const state of this.store.loadAll()) this.states.set(state.target, state);
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

    let events: ChangeEvent[] = [];
    let next: TargetState;
    if (result.success) {
      const current = baselineFrom(result);
      // The first successful probe only sets the baseline: there is nothing to compare it with.
      events = prev.baseline === null ? [] : detectChanges(target, prev.baseline, current, now);
      const counts: Partial<Record<ChangeKind, number>> = { ...prev.change_counts };
      for (const e of events) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
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
      const failures = { ...prev.failure_counts };
      if (result.error !== null) {
        const key = `${result.error.stage}/${result.error.reason}`;
        failures[key] = (failures[key] ?? 0) + 1;
      }
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
    try {
      this.store.save(next, events);
    } catch (error) {
      storeError ??= asError(error);
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

  /** After a reload: forget in memory every target not in `keep`; its rows stay in the store. */
  retain(keep: ReadonlySet<string>): void {
    for (const target of [...this.states.keys()]) {
      if (!keep.has(target)) this.states.delete(target);
    }
    this.cachedSnapshot = null;
  }

  /** The target's change history, newest first (from the store, so it outlives retain()). */
  changes(target: string, limit: number): ChangeEvent[] {
    return this.store.changes(target, limit);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
