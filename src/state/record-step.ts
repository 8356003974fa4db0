// What one probe result does to a target's state, as a pure step: (previous state, result, context)
// → (next state, change events, whether the store must be written now). No clock, no store, no
// mutation; TargetStates applies the answer to memory and the store.
//
// What must reach the store at once: anything a restart must not lose or get wrong — change events
// with the baseline they moved, the first baseline, failure counts (a counter that went backwards
// after a crash would read as a reset and a burst to rate()), a success turning into a failure or
// back, an extension first seen or forgotten, a 421 back-off begun or ended. A routine probe that
// changed none of that (most of them: same capabilities, new timings) is written at most every
// ROUTINE_WRITE_SECONDS per target, and by flush() on shutdown and reload.
import type { ProbeResult } from '../probe/probe-result.js';
import { baselineFrom, nextBaseline } from './baseline.js';
import { detectChanges } from './change-detection.js';
import { countFailure } from './failure-counts.js';
import { updateKnownExtensions } from './known-extensions.js';
import { shareUnchanged } from './share-unchanged.js';
import { trimResult } from './state-codec.js';
import type { BackoffState, ChangeEvent, TargetState } from './types.js';

/** How stale a target's stored routine result may get; writing every probe was ~20% of a probe's CPU. */
export const ROUTINE_WRITE_SECONDS = 600;

export interface RecordContext {
  group: string;
  /** Unix seconds. */
  now: number;
  retentionSeconds: number;
  /** Unix seconds of the target's last write to the store; -Infinity when never written. */
  writtenAt: number;
  /** The scheduler's 421 back-off for the target after this result; null when none. */
  backoff: BackoffState | null;
}

export interface RecordDecision {
  next: TargetState;
  events: ChangeEvent[];
  /** Write `next` (with `events`) to the store now; otherwise it waits for the routine write or flush(). */
  writeNow: boolean;
}

export function decideRecord(previous: TargetState, probe: ProbeResult, ctx: RecordContext): RecordDecision {
  const result = shareUnchanged(probe, previous.last_result, previous.baseline);
  const { next, events } = result.success ? afterSuccess(previous, result, ctx) : { next: afterFailure(previous, result, ctx), events: [] };
  const writeNow = mustWriteNow(previous, next, events) || ctx.now - ctx.writtenAt >= ROUTINE_WRITE_SECONDS;
  return { next, events, writeNow };
}

function afterSuccess(prev: TargetState, result: ProbeResult, ctx: RecordContext): { next: TargetState; events: ChangeEvent[] } {
  const current = baselineFrom(result);
  // The first successful probe only sets the baseline: there is nothing to compare it with.
  const events = prev.baseline === null ? [] : detectChanges(prev.target, prev.baseline, current, ctx.now);
  const next: TargetState = {
    ...prev,
    group: ctx.group,
    last_result: trimResult(result),
    baseline: prev.baseline === null ? current : nextBaseline(prev.baseline, current),
    known_extensions: updateKnownExtensions(prev.known_extensions, result, ctx.now, ctx.retentionSeconds),
    change_counts: events.length === 0 ? prev.change_counts : countChanges(prev.change_counts, events),
    last_change_at: events.length === 0 ? prev.last_change_at : ctx.now,
    backoff: ctx.backoff,
  };
  return { next, events };
}

/** A failed probe is never a capability change: the baseline and known extensions stay. */
function afterFailure(prev: TargetState, result: ProbeResult, ctx: RecordContext): TargetState {
  return {
    ...prev,
    group: ctx.group,
    last_result: trimResult(result),
    known_extensions: updateKnownExtensions(prev.known_extensions, null, ctx.now, ctx.retentionSeconds),
    failure_counts: result.error === null ? prev.failure_counts : countFailure(prev.failure_counts, result.error),
    backoff: ctx.backoff,
  };
}

function countChanges(counts: TargetState['change_counts'], events: readonly ChangeEvent[]): TargetState['change_counts'] {
  const next = { ...counts };
  for (const e of events) next[e.kind] = (next[e.kind] ?? 0) + 1;
  return next;
}

/** What a restart must find in the store: see the header. */
function mustWriteNow(prev: TargetState, next: TargetState, events: readonly ChangeEvent[]): boolean {
  return (
    events.length > 0 ||
    prev.baseline === null ||
    prev.group !== next.group ||
    prev.last_result?.success !== next.last_result?.success ||
    next.last_result?.success === false ||
    prev.backoff?.until_ms !== next.backoff?.until_ms ||
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
