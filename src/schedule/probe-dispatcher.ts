// Starts planned probes when they fall due, under a global concurrency limit, never two probes of
// one target at once, never two sessions to one host (the address, for discovered targets) closer
// than the minimum gap, and not at all while a target is backing off after a 421. One timer serves
// the whole fleet, and it wakes on a coarse tick (see DISPATCH_TICK_MS).
import type { TargetConfig } from '../config/types.js';
import type { ProbeResult } from '../probe/probe-result.js';
import { Backoff, type BackoffEntry, type BackoffPolicy } from './backoff.js';
import { MinHeap } from './min-heap.js';
import { politenessKey } from './target-probe-options.js';

/**
 * Probes fall due at spread-out moments (each target has its own slot in the period), so at 167
 * probes/s a timer per probe woke the main thread, and through it a probe worker, every 6 ms for a
 * single session; on a paced fleet those wake-ups, not the sessions, were most of a probe's CPU.
 * Waking on a tick of this many ms starts the probes due within it together (each at most this
 * late) and lets the pool hand them over in one message. 50 rather than 25 ms took an EHLO probe at
 * 10,000 targets every minute from 1.10–1.26 to 0.87–0.90 ms of CPU (docs/performance.md); a
 * probe's lateness is a small part of any period a schedule allows (a second at least).
 */
export const DISPATCH_TICK_MS = 50;

export interface PlannedProbe {
  target: TargetConfig;
  /** Wall-clock ms when the probe should start. */
  dueAt: number;
}

interface PendingProbe extends PlannedProbe {
  cancelled: boolean;
  /** The target's probe of a later round, planned while this one waited to start. */
  successor?: PendingProbe;
}

export type SkipReason = 'overlap' | 'backoff';

export interface DispatcherOptions {
  maxConcurrency: number;
  minGapMs: number;
  backoff: BackoffPolicy;
  now: () => number;
  run: (target: TargetConfig) => Promise<ProbeResult>;
  onResult: (target: TargetConfig, result: ProbeResult, latenessMs: number) => void;
  onSkip: (target: TargetConfig, reason: SkipReason) => void;
  /** A bug, not a target's failure: probes report those in their result. */
  onError: (target: TargetConfig, error: unknown) => void;
}

export class ProbeDispatcher {
  private readonly heap = new MinHeap<PendingProbe>();
  private readonly pending = new Map<string, PendingProbe>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly lastSessionEnd = new Map<string, number>();
  /** Probes waiting because another session to the same host is open: one session per host at a time. */
  private readonly waitingForHost = new Map<string, PendingProbe[]>();
  /** Targets removed while their probe ran: the result would bring back a target no longer probed. */
  private readonly removedWhileRunning = new Set<string>();
  private backoff: Backoff;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopped = false;
  /** stop() has given up waiting: results still to come are dropped (the store may be closed by then). */
  private abandoned = false;

  constructor(private options: DispatcherOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  /** Take new limits from a reloaded config; running probes are not disturbed. */
  setLimits(limits: Pick<DispatcherOptions, 'maxConcurrency' | 'minGapMs' | 'backoff'>): void {
    this.options = { ...this.options, ...limits };
    this.backoff = this.backoff.withPolicy(limits.backoff);
    this.pump();
  }

  get inFlight(): number {
    return this.running.size;
  }

  backoffSeconds(targetName: string): number {
    return this.backoff.remainingMs(targetName, this.options.now()) / 1000;
  }

  /** Seconds left of every back-off under way, by target (a scrape reads them all at once). */
  backoffsUnderWay(): Map<string, number> {
    const left = this.backoff.underWay(this.options.now());
    for (const [target, ms] of left) left.set(target, ms / 1000);
    return left;
  }

  /** See Backoff.entry and Backoff.restore. */
  backoffEntry(targetName: string): BackoffEntry | null {
    return this.backoff.entry(targetName);
  }

  restoreBackoff(targetName: string, entry: BackoffEntry): void {
    this.backoff.restore(targetName, entry, this.options.now());
  }

  /**
   * Add a round's probes. A target whose previous probe has not started yet keeps it: that round is
   * missed only if the new probe falls due before the old one could start.
   */
  plan(probes: readonly PlannedProbe[]): void {
    if (this.stopped) return;
    // First start what has fallen due: a target due in the last millisecond of its round has its
    // timer expire together with the cron's, which may run first.
    this.pump();
    for (const probe of probes) {
      const name = probe.target.name;
      const entry: PendingProbe = { ...probe, cancelled: false };
      // Not dropped here: a probe a second late at the round's end (a busy second, every slot
      // taken) would give way to one due up to a whole period later, and the target would go
      // unprobed for two periods (~500 targets a busy round end at 10,000 every 20 s).
      const waiting = this.pending.get(name);
      if (waiting) waiting.successor = entry;
      this.pending.set(name, entry);
      this.heap.push(entry, entry.dueAt);
    }
    this.pump();
  }

  /** Forget everything about targets that a reload removed; their queued probes are dropped, and the results of their running ones. */
  retain(keep: ReadonlySet<string>): void {
    for (const name of this.running.keys()) if (!keep.has(name)) this.removedWhileRunning.add(name);
    for (const name of this.removedWhileRunning) if (keep.has(name)) this.removedWhileRunning.delete(name);
    for (const waiting of this.waitingForHost.values()) for (const probe of waiting) if (!keep.has(probe.target.name)) probe.cancelled = true;
    for (const [name, entry] of this.pending) {
      if (!keep.has(name)) {
        entry.cancelled = true;
        this.pending.delete(name);
      }
    }
    this.backoff.retain(keep);
    const now = this.options.now();
    for (const [host, end] of this.lastSessionEnd) {
      if (end + this.options.minGapMs < now) this.lastSessionEnd.delete(host);
    }
  }

  /** Start nothing more; resolve when in-flight probes finish or after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.heap.clear();
    this.pending.clear();
    this.waitingForHost.clear();
    let timeout: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timeout = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.running.values()]), grace]);
    clearTimeout(timeout);
    this.abandoned = true;
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.options.now();
    while (this.running.size < this.options.maxConcurrency) {
      const next = this.heap.peek();
      if (!next || next.dueAt > now) break;
      this.heap.pop();
      const verdict = this.verdict(next, now);
      if (verdict === 'dropped') continue;
      if (verdict === 'superseded') {
        this.options.onSkip(next.target, 'overlap');
        continue;
      }
      if (this.pending.get(next.target.name) === next) this.pending.delete(next.target.name);
      this.startOrDefer(next, now);
    }
    this.armTimer();
  }

  /**
   * A probe taken off the heap is dropped when its target was removed (retain cancels the newest
   * of its probes, so the whole chain of its successors is looked at), and superseded when the
   * target's probe of a later round is due as well: that round is missed.
   */
  private verdict(probe: PendingProbe, now: number): 'start' | 'dropped' | 'superseded' {
    for (let p: PendingProbe | undefined = probe; p; p = p.successor) if (p.cancelled) return 'dropped';
    return probe.successor && probe.successor.dueAt <= now ? 'superseded' : 'start';
  }

  private startOrDefer(probe: PendingProbe, now: number): void {
    const { target } = probe;
    if (this.running.has(target.name)) {
      this.options.onSkip(target, 'overlap');
      return;
    }
    if (this.backoff.remainingMs(target.name, now) > 0) {
      this.options.onSkip(target, 'backoff');
      return;
    }
    const host = politenessKey(target);
    const waiting = this.waitingForHost.get(host);
    if (waiting) {
      waiting.push(probe);
      return;
    }
    const gapEnds = (this.lastSessionEnd.get(host) ?? -Infinity) + this.options.minGapMs;
    if (gapEnds > now) {
      this.requeue({ ...probe, dueAt: gapEnds, cancelled: false });
      return;
    }
    const latenessMs = now - probe.dueAt;
    this.waitingForHost.set(host, []);
    const done = this.options
      .run(target)
      .then((result) => {
        if (this.abandoned) return;
        const end = this.options.now();
        this.lastSessionEnd.set(host, end);
        if (this.removedWhileRunning.has(target.name)) return;
        this.backoff.record(target.name, result.error?.reason === 'service_unavailable', end);
        this.options.onResult(target, result, latenessMs);
      })
      .catch((error: unknown) => {
        // A probe pool closed after stop() rejects what it still ran: not an error, the end.
        if (!this.abandoned) this.options.onError(target, error);
      })
      .finally(() => {
        this.running.delete(target.name);
        this.removedWhileRunning.delete(target.name);
        this.releaseHost(host);
        this.pump();
      });
    this.running.set(target.name, done);
  }

  private releaseHost(host: string): void {
    const waiting = this.waitingForHost.get(host) ?? [];
    this.waitingForHost.delete(host);
    const dueAt = (this.lastSessionEnd.get(host) ?? this.options.now()) + this.options.minGapMs;
    for (const probe of waiting) {
      if (probe.cancelled) continue;
      // A later round's probe planned while this one waited for the host comes after it.
      const successor = probe.successor ?? this.pending.get(probe.target.name);
      this.requeue({ ...probe, dueAt: Math.max(probe.dueAt, dueAt), cancelled: false, successor });
    }
  }

  /** Back on the heap, for a later moment; the newest probe of its target stays the one `pending` names. */
  private requeue(probe: PendingProbe): void {
    if (probe.successor === undefined) this.pending.set(probe.target.name, probe);
    this.heap.push(probe, probe.dueAt);
  }

  private armTimer(): void {
    const next = this.heap.peek();
    const at = next ? Math.ceil(next.dueAt / DISPATCH_TICK_MS) * DISPATCH_TICK_MS : Infinity;
    if (at === this.timerAt) return;
    this.clearTimer();
    if (at === Infinity || this.running.size >= this.options.maxConcurrency) return;
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.options.now()));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }
}
