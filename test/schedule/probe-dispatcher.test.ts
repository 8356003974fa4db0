// The dispatcher on a fake clock (vitest fakes Date and setTimeout together, and the dispatcher reads
// both): due order, the concurrency limit, overlap, the per-host gap, the 421 back-off and stop(),
// each checked to the millisecond. Probes start on the dispatcher's tick: the fake clock starts on
// one, so probes due on a tick start exactly then.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TargetConfig } from '../../src/config/types.js';
import { DISPATCH_TICK_MS, ProbeDispatcher, type DispatcherOptions, type SkipReason } from '../../src/schedule/probe-dispatcher.js';
import { result, sleep, target } from './dispatcher-fixtures.js';

/** Moves the fake clock on, running every timer and promise that falls due on the way. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
/** The first tick at or after `ms`. */
const tickAt = (ms: number) => Math.ceil(ms / DISPATCH_TICK_MS) * DISPATCH_TICK_MS;

function harness(overrides: Partial<DispatcherOptions> & { probeMs?: number; reason?: 'service_unavailable' | null } = {}) {
  const started: { name: string; at: number }[] = [];
  const finished: { name: string; at: number }[] = [];
  const skipped: { name: string; reason: SkipReason }[] = [];
  let running = 0;
  let maxRunning = 0;
  const dispatcher = new ProbeDispatcher({
    maxConcurrency: 4,
    minGapMs: 0,
    backoff: { initialMs: 10_000, maxMs: 60_000 },
    now: Date.now,
    run: async (t: TargetConfig) => {
      started.push({ name: t.name, at: Date.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(overrides.probeMs ?? 20);
      running--;
      return result(t, overrides.reason ?? null);
    },
    onResult: (t) => finished.push({ name: t.name, at: Date.now() }),
    onSkip: (t, reason) => skipped.push({ name: t.name, reason }),
    onError: (_t, error) => {
      throw error;
    },
    ...overrides,
  });
  return { dispatcher, started, finished, skipped, maxRunning: () => maxRunning };
}

describe('ProbeDispatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts each probe no earlier than it is due, in due order', async () => {
    const h = harness();
    const now = Date.now();
    h.dispatcher.plan([
      { target: target('b'), dueAt: now + 120 },
      { target: target('a'), dueAt: now + 40 },
    ]);
    await advance(250);
    expect(h.started.map((s) => s.name)).toEqual(['a', 'b']);
    expect(h.started.map((x) => x.at)).toEqual([tickAt(now + 40), tickAt(now + 120)]);
    expect(h.finished.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('wakes once per tick: the probes due within one start together, none before it is due', async () => {
    const h = harness();
    const now = Date.now();
    h.dispatcher.plan(['a', 'b', 'c', 'd'].map((name, i) => ({ target: target(name), dueAt: now + 1 + i * 8 })));
    await advance(100);
    // Due at +1, +9, +17 and +25: all in the first tick, started at its end, none before it was due.
    expect(h.started.map((s) => s.at - now)).toEqual([DISPATCH_TICK_MS, DISPATCH_TICK_MS, DISPATCH_TICK_MS, DISPATCH_TICK_MS]);
    const later = Date.now();
    h.dispatcher.plan([{ target: target('e'), dueAt: later + 1 }]);
    await advance(100);
    expect(h.started.at(-1)).toEqual({ name: 'e', at: later + DISPATCH_TICK_MS });
  });

  it('never runs more probes at once than the concurrency limit', async () => {
    const h = harness({ maxConcurrency: 3, probeMs: 30 });
    const now = Date.now();
    h.dispatcher.plan(Array.from({ length: 12 }, (_, i) => ({ target: target(`t${i}`), dueAt: now })));
    await advance(400);
    expect(h.finished).toHaveLength(12);
    expect(h.maxRunning()).toBe(3);
  });

  it('does not stack a second probe of a target that is still running', async () => {
    const h = harness({ probeMs: 150 });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('slow'), dueAt: now }]);
    await advance(30);
    h.dispatcher.plan([{ target: target('slow'), dueAt: Date.now() }]);
    await advance(300);
    expect(h.started).toHaveLength(1);
    expect(h.skipped).toEqual([{ name: 'slow', reason: 'overlap' }]);
  });

  it('skips a queued probe whose next round fell due before a slot freed, and counts the miss', async () => {
    const h = harness({ maxConcurrency: 1, probeMs: 100 });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('busy'), dueAt: now }, { target: target('queued'), dueAt: now }]);
    h.dispatcher.plan([{ target: target('queued'), dueAt: now + 10 }]);
    await advance(350);
    expect(h.started.map((s) => s.name)).toEqual(['busy', 'queued']);
    expect(h.skipped).toEqual([{ name: 'queued', reason: 'overlap' }]);
  });

  it('keeps a probe still queued when the next round is planned, and runs both rounds', async () => {
    const h = harness({ maxConcurrency: 1, probeMs: 100 });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('busy'), dueAt: now }, { target: target('late'), dueAt: now }]);
    // The next round comes while 'late' waits for the only slot; its own probe is due 500 ms on.
    h.dispatcher.plan([{ target: target('late'), dueAt: now + 500 }]);
    await advance(700);
    expect(h.skipped).toEqual([]);
    expect(h.started).toEqual([{ name: 'busy', at: now }, { name: 'late', at: now + 100 }, { name: 'late', at: now + 500 }]);
  });

  it('drops every queued round of a target that a reload removed', async () => {
    const h = harness({ maxConcurrency: 1, probeMs: 100 });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('busy'), dueAt: now }, { target: target('gone'), dueAt: now }]);
    h.dispatcher.plan([{ target: target('gone'), dueAt: now + 50 }]);
    h.dispatcher.retain(new Set(['busy']));
    await advance(300);
    expect(h.started.map((s) => s.name)).toEqual(['busy']);
    expect(h.skipped).toEqual([]);
  });

  it('starts a probe that fell due as the next round is planned instead of dropping it', async () => {
    const h = harness();
    const now = Date.now();
    h.dispatcher.plan([{ target: target('last-in-round'), dueAt: now + 1000 }]);
    // The next round's cron expires in the same millisecond as that probe's timer, and runs first.
    vi.setSystemTime(now + 1000);
    h.dispatcher.plan([{ target: target('last-in-round'), dueAt: now + 1999 }]);
    await advance(1100);
    expect(h.skipped).toEqual([]);
    expect(h.started.map((s) => s.at)).toEqual([now + 1000, tickAt(now + 1999)]);
  });

  it('keeps the minimum gap between two sessions to one host', async () => {
    const h = harness({ minGapMs: 150, probeMs: 10 });
    const now = Date.now();
    h.dispatcher.plan([
      { target: target('mx-25', 'mx.test'), dueAt: now },
      { target: target('mx-587', 'mx.test'), dueAt: now },
    ]);
    await advance(400);
    expect(h.finished).toHaveLength(2);
    expect(h.started[1]!.at).toBe(tickAt(h.finished[0]!.at + 150));
  });

  it('backs off from a target that answered 421 and reports how long', async () => {
    const h = harness({ reason: 'service_unavailable' });
    h.dispatcher.plan([{ target: target('busy') , dueAt: Date.now() }]);
    await advance(80);
    // 10 s from the end of the 20 ms probe, 80 ms after it started.
    expect(h.dispatcher.backoffSeconds('busy')).toBe(9.94);
    expect(h.dispatcher.backoffsUnderWay()).toEqual(new Map([['busy', 9.94]]));
    h.dispatcher.plan([{ target: target('busy'), dueAt: Date.now() }]);
    await advance(50);
    expect(h.started).toHaveLength(1);
    expect(h.skipped).toEqual([{ name: 'busy', reason: 'backoff' }]);
  });

  it('drops the result of a probe whose target was removed while it ran, and keeps one removed and added back', async () => {
    const h = harness({ probeMs: 100, reason: 'service_unavailable' });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('gone'), dueAt: now }, { target: target('back'), dueAt: now }, { target: target('kept'), dueAt: now }]);
    await advance(10);
    h.dispatcher.retain(new Set(['kept']));
    h.dispatcher.retain(new Set(['kept', 'back']));
    await advance(100);
    expect(h.finished.map((f) => f.name).sort()).toEqual(['back', 'kept']);
    // Nor does its 421 start a back-off for a target no longer probed.
    expect([...h.dispatcher.backoffsUnderWay().keys()].sort()).toEqual(['back', 'kept']);
    // Probed again once a later reload brings it back: its name carries nothing over.
    h.dispatcher.retain(new Set(['kept', 'back', 'gone']));
    h.dispatcher.plan([{ target: target('gone'), dueAt: Date.now() }]);
    await advance(100);
    expect(h.finished.map((f) => f.name)).toContain('gone');
  });

  it('does not start a removed target\'s probe that was waiting for its host', async () => {
    const h = harness({ probeMs: 100 });
    h.dispatcher.plan([
      { target: target('mx-25', 'mx.test'), dueAt: Date.now() },
      { target: target('mx-587', 'mx.test'), dueAt: Date.now() },
    ]);
    await advance(10);
    h.dispatcher.retain(new Set(['mx-25']));
    await advance(300);
    expect(h.started.map((s) => s.name)).toEqual(['mx-25']);
    expect(h.finished.map((f) => f.name)).toEqual(['mx-25']);
  });

  it('stop() waits for in-flight probes and starts nothing more', async () => {
    const h = harness({ probeMs: 100 });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('a'), dueAt: now }, { target: target('b'), dueAt: now + 50 }]);
    await advance(10);
    const stopped = h.dispatcher.stop(2_000);
    await advance(90);
    await stopped;
    expect(h.finished).toEqual([{ name: 'a', at: now + 100 }]);
    await advance(100);
    expect(h.started.map((s) => s.name)).toEqual(['a']);
  });

  it('after stop() gave up waiting, a probe that ends later is dropped: neither its result nor its rejection is reported', async () => {
    const errors: unknown[] = [];
    const settle: Array<() => void> = [];
    const h = harness({
      // Two probes that outlive the grace: one answers late, one is rejected (a probe pool closing).
      run: (t) => new Promise((resolve, reject) => settle.push(() => (t.name === 'a' ? resolve(result(t)) : reject(new Error('the probe pool is closed'))))),
      onError: (_t, error) => errors.push(error),
    });
    const now = Date.now();
    h.dispatcher.plan([{ target: target('a'), dueAt: now }, { target: target('b'), dueAt: now }]);
    await advance(10);
    const stopped = h.dispatcher.stop(1_000);
    await advance(1_000);
    await stopped;
    for (const s of settle.splice(0)) s();
    await advance(10);
    expect(h.finished).toEqual([]);
    expect(errors).toEqual([]);
  });
});
