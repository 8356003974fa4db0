// A watched domain's MX and address set changes, and its mail TLS policy changes, kept in the same store as capability changes:
// one state row under the domain's name (its change counts, which must survive restarts as any
// counter does) and its events in the change-event table, so /api lists them like a target's.
import type { SqliteStateStore } from './sqlite-store.js';
import { emptyState } from './state-codec.js';
import { DOMAIN_CHANGE_KINDS, type ChangeEvent, type ChangeKind, type TargetState } from './types.js';

/** One change of a domain's MX or address set (discovery's DomainChange) or of its policy (discovery's PolicyChange). */
export interface DomainSetChange {
  kind: Extract<ChangeKind, (typeof DOMAIN_CHANGE_KINDS)[number]>;
  subject: string;
  old_value: string | null;
  new_value: string | null;
}


export class DomainHistory {
  private readonly states = new Map<string, TargetState>();

  constructor(private readonly store: SqliteStateStore) {}

  /** The domain's counts as a state (no probe result), for the change-count series; loaded once. */
  get(domain: string, group: string): TargetState {
    let state = this.states.get(domain);
    // A reload may move the domain to another group: its counts follow it.
    if (state !== undefined && state.group !== group) {
      state = { ...state, group };
      this.states.set(domain, state);
    }
    if (state === undefined) {
      let stored: TargetState | undefined;
      try {
        stored = this.store.load(domain);
      } catch {
        // An unreadable row starts the counts afresh; record() reports store failures.
        stored = undefined;
      }
      const base = stored ?? emptyState(domain, group);
      // Every kind starts at 0, so the first change shows in increase() (a counter born at 1 hides it).
      const counts = Object.fromEntries(DOMAIN_CHANGE_KINDS.map((k) => [k, base.change_counts[k] ?? 0]));
      state = { ...base, group, change_counts: { ...base.change_counts, ...counts } };
      this.states.set(domain, state);
    }
    return state;
  }

  /** Count and persist one lookup's changes (seen at `at`, unix seconds) in one transaction; a store failure is returned, memory is updated anyway. */
  record(domain: string, group: string, at: number, changes: readonly DomainSetChange[]): Error | null {
    const prev = this.get(domain, group);
    if (changes.length === 0) return null;
    const events: ChangeEvent[] = changes.map((c) => ({ target: domain, at, kind: c.kind, tls: null, subject: c.subject, old_value: c.old_value, new_value: c.new_value }));
    const counts = { ...prev.change_counts };
    for (const e of events) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    const next: TargetState = { ...prev, group, change_counts: counts, last_change_at: at };
    this.states.set(domain, next);
    try {
      this.store.save(next, events);
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Only the watched domains stay in memory (rows stay in the store). */
  retain(domains: ReadonlySet<string>): void {
    for (const domain of this.states.keys()) if (!domains.has(domain)) this.states.delete(domain);
  }

  changes(domain: string, limit: number): ChangeEvent[] {
    return this.store.changes(domain, limit);
  }
}
