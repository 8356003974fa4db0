// The in-memory view of every target: the scheduler records results into it, /metrics and /api
// read it. Each record replaces the target's object instead of mutating it, so a reader holding a
// snapshot never sees a half-applied result. What a result changes, and whether the store must be
// written at once, is decided by the pure step in record-step.ts; this class applies it. A crash
// loses at most ROUTINE_WRITE_SECONDS of routine last results, which the next round replaces anyway.
import type { ProbeResult } from '../probe/probe-result.js';
import { FactPool } from './intern-facts.js';
import { decideRecord } from './record-step.js';
import type { SqliteStateStore } from './sqlite-store.js';
import { emptyState } from './state-codec.js';
import type { BackoffState, ChangeEvent, TargetState } from './types.js';

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

/** Pruning runs from record() at most this often. */
const PRUNE_INTERVAL_SECONDS = 3600;

export { ROUTINE_WRITE_SECONDS } from './record-step.js';

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
  /** One copy of each distinct EHLO, TLS and greeting fact across all targets (intern-facts.ts). */
  private readonly facts = new FactPool();

  constructor(store: SqliteStateStore, options: TargetStatesOptions) {
    this.store = store;
    this.now = options.now;
    this.retentionDays = options.retentionDays;
    this.retentionSeconds = options.retentionDays * 86_400;
  }

  /**
   * Loads everything from the store (at start-up); throws the store's StoreError. States are held,
   * and snapshot() lists them, by `rank` (the scheduler's place in the round), and targets first
   * recorded later after them: the targets probed between two scrapes are then neighbours, whose
   * blocks of compressed text change while the others are reused (metrics/exporter-registry.ts).
   */
  load(rank: (target: string) => number = () => 0): void {
    this.states.clear();
    this.unwritten.clear();
    const now = this.now();
    const loaded = this.store.loadAll().map((state) => ({ state, rank: rank(state.target) }));
    loaded.sort((a, b) => a.rank - b.rank);
    for (const { state } of loaded) {
      this.states.set(state.target, this.facts.state(state));
      this.writtenAt.set(state.target, now);
    }
    this.cachedSnapshot = null;
  }

  /** Applies one result: decideRecord() says what changes; this puts it in memory and, when told, in the store. */
  record(target: string, group: string, result: ProbeResult, backoff: BackoffState | null = null): RecordOutcome {
    const now = this.now();
    const { previous, error: loadError } = this.previousOf(target, group);
    const decision = decideRecord(previous, result, {
      group,
      now,
      retentionSeconds: this.retentionSeconds,
      writtenAt: this.writtenAt.get(target) ?? Number.NEGATIVE_INFINITY,
      backoff,
    });
    const next = this.facts.state(decision.next);
    this.states.set(target, next);
    this.cachedSnapshot = null;
    const writeError = decision.writeNow ? this.write(next, decision.events, now) : (this.unwritten.add(target), null);
    const pruneError = this.pruneIfDue(now);
    return { events: decision.events, storeError: loadError ?? writeError ?? pruneError };
  }

  /** The state in memory, or (dropped by a reload and configured again) the one still in the store. */
  private previousOf(target: string, group: string): { previous: TargetState; error: Error | null } {
    const held = this.states.get(target);
    if (held !== undefined) return { previous: held, error: null };
    try {
      return { previous: this.store.load(target) ?? emptyState(target, group), error: null };
    } catch (error) {
      return { previous: emptyState(target, group), error: asError(error) };
    }
  }

  private write(state: TargetState, events: readonly ChangeEvent[], now: number): Error | null {
    try {
      this.store.save(state, events);
      this.writtenAt.set(state.target, now);
      this.unwritten.delete(state.target);
      return null;
    } catch (error) {
      this.unwritten.add(state.target);
      return asError(error);
    }
  }

  /** Retention needs no timer of its own: record() prunes at most every PRUNE_INTERVAL_SECONDS. */
  private pruneIfDue(now: number): Error | null {
    if (now - this.lastPruneAt < PRUNE_INTERVAL_SECONDS) return null;
    this.lastPruneAt = now;
    try {
      this.store.prune(now, this.retentionDays);
      return null;
    } catch (error) {
      return asError(error);
    }
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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
