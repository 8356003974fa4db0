// Keeps every watched domain (and every `all_addresses` host) resolved: on start, on reload, and
// again after the TTL, never sooner than min_refresh nor later than refresh. A failed lookup shows
// at once (success 0, a failure counted by reason) while the last good set keeps being probed for
// keep_last_good, so one SERVFAIL does not drop every target of a domain.
import type { DnsSettings } from '../config/types.js';
import type { DnsLookup } from '../discovery/dns-lookup.js';
import { domainChanges, type DomainChange } from '../discovery/domain-changes.js';
import { TRANSIENT_REASONS, type DnsFailureReason, type DomainResolution } from '../discovery/resolve-domain.js';

export interface WatchSpec {
  /** The domain, or the host name of an `all_addresses` target. */
  key: string;
  resolve: (lookup: DnsLookup) => Promise<DomainResolution>;
  dns: DnsSettings;
}

export interface WatchState {
  key: string;
  /** The set being probed: the last good lookup while it is fresh enough; null before the first or after it expired. */
  current: DomainResolution | null;
  /** Unix seconds of the lookup that confirmed `current`. */
  goodAt: number | null;
  /** The latest lookup's outcome, good or not. */
  last: DomainResolution | null;
  /** Unix seconds. */
  lastLookupAt: number | null;
  /** Whether the latest lookup succeeded; null before the first. */
  success: boolean | null;
  /** Lookups failed, by reason (the domain's own failure and each MX host's). */
  failures: Partial<Record<DnsFailureReason, number>>;
}

export function emptyWatchState(key: string): WatchState {
  return { key, current: null, goodAt: null, last: null, lastLookupAt: null, success: null, failures: {} };
}

/** Failed: nothing usable came back for the domain, or an MX host's answer failed for a reason that says nothing about its records. */
export function lookupFailed(r: DomainResolution): boolean {
  return r.error !== null || r.mx.some((h) => h.error !== null && TRANSIENT_REASONS.has(h.error.reason));
}

/** One lookup applied: the next state and the set changes to record (none for the first good set). Pure. */
export function nextWatchState(prev: WatchState, outcome: DomainResolution, nowSeconds: number, keepLastGoodSeconds: number): { state: WatchState; changes: DomainChange[] } {
  const failures = { ...prev.failures };
  const reasons = [outcome.error?.reason, ...outcome.mx.map((h) => h.error?.reason)].filter((r): r is DnsFailureReason => r !== undefined);
  for (const reason of reasons) failures[reason] = (failures[reason] ?? 0) + 1;
  const failed = lookupFailed(outcome);
  const base = { ...prev, last: outcome, lastLookupAt: nowSeconds, success: !failed && reasons.length === 0, failures };
  if (!failed) {
    const changes = prev.current === null ? [] : domainChanges(prev.current, outcome);
    return { state: { ...base, current: outcome, goodAt: nowSeconds }, changes };
  }
  const fresh = prev.current !== null && prev.goodAt !== null && nowSeconds - prev.goodAt < keepLastGoodSeconds;
  if (fresh || prev.current === null) return { state: base, changes: [] };
  // Kept as long as promised: the set is gone now, and that is a change like any other.
  return { state: { ...base, current: null, goodAt: null }, changes: domainChanges(prev.current, { mx: [] }) };
}

/** Seconds until the next lookup: the answers' TTL within [min_refresh, refresh]; min_refresh after a failure. */
export function refreshDelaySeconds(outcome: DomainResolution, dns: DnsSettings): number {
  if (lookupFailed(outcome)) return dns.min_refresh_seconds;
  const ttl = outcome.min_ttl_seconds ?? dns.refresh_seconds;
  return Math.min(dns.refresh_seconds, Math.max(dns.min_refresh_seconds, ttl));
}

export interface DomainWatcherDeps {
  lookup: (dns: DnsSettings) => DnsLookup;
  /** Unix milliseconds. */
  now: () => number;
  /** Called after every lookup, in the order they finish. */
  onLookup: (state: WatchState, changes: readonly DomainChange[]) => void;
  /** A bug, not a DNS failure (those are answers). */
  onError: (key: string, error: unknown) => void;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

interface Watched {
  spec: WatchSpec;
  lookup: DnsLookup;
  state: WatchState;
  cancel: (() => void) | null;
  /** Bumped when the spec is replaced or removed: a lookup of an older generation is ignored. */
  generation: number;
}

const defaultSetTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export class DomainWatcher {
  private readonly watched = new Map<string, Watched>();
  private stopped = false;

  constructor(private readonly deps: DomainWatcherDeps) {}

  /** Start-up and every reload: new and kept names are looked up now, removed ones forgotten. */
  apply(specs: readonly WatchSpec[]): void {
    const keep = new Set(specs.map((s) => s.key));
    for (const [key, w] of this.watched) {
      if (keep.has(key)) continue;
      w.cancel?.();
      w.generation++;
      this.watched.delete(key);
    }
    for (const spec of specs) {
      const held = this.watched.get(spec.key);
      const w: Watched = held ?? { spec, lookup: this.deps.lookup(spec.dns), state: emptyWatchState(spec.key), cancel: null, generation: 0 };
      if (held !== undefined) {
        held.spec = spec;
        held.lookup = this.deps.lookup(spec.dns);
        held.generation++;
      }
      this.watched.set(spec.key, w);
      this.lookupNow(w);
    }
  }

  get(key: string): WatchState | undefined {
    return this.watched.get(key)?.state;
  }

  snapshot(): WatchState[] {
    return [...this.watched.values()].map((w) => w.state);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watched.values()) w.cancel?.();
  }

  private lookupNow(w: Watched): void {
    w.cancel?.();
    w.cancel = null;
    if (this.stopped) return;
    // A reload while this lookup runs bumps the generation and starts its own: this one is then ignored.
    const generation = w.generation;
    const current = () => !this.stopped && generation === w.generation && this.watched.get(w.spec.key) === w;
    const again = (seconds: number) => {
      if (current()) w.cancel = (this.deps.setTimer ?? defaultSetTimer)(() => this.lookupNow(w), seconds * 1000);
    };
    w.spec.resolve(w.lookup).then(
      (outcome) => {
        if (!current()) return;
        const { state, changes } = nextWatchState(w.state, outcome, Math.floor(this.deps.now() / 1000), w.spec.dns.keep_last_good_seconds);
        w.state = state;
        try {
          this.deps.onLookup(state, changes);
        } finally {
          again(refreshDelaySeconds(outcome, w.spec.dns));
        }
      },
      (error: unknown) => {
        this.deps.onError(w.spec.key, error);
        again(w.spec.dns.min_refresh_seconds);
      },
    ).catch((error: unknown) => this.deps.onError(w.spec.key, error));
  }
}
