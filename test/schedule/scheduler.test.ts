// The scheduler on a fake clock (vitest fakes Date and the timers together, node-cron's included):
// every target of a group once per period at its stable offset, counted per group; targets a reload
// removed are no longer probed. One real-time smoke test checks the same wiring on the real clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DISPATCH_TICK_MS } from '../../src/schedule/probe-dispatcher.js';
import { Scheduler, type ScheduledGroup } from '../../src/schedule/scheduler.js';
import { stableFraction } from '../../src/schedule/stable-offset.js';
import { result, sleep, target } from './dispatcher-fixtures.js';

const politeness = { max_concurrency: 8, min_gap_seconds: 0, backoff_initial_seconds: 60, backoff_max_seconds: 3600 };
/** A round second, so cron rounds fall on exact multiples of the period. */
const T0 = 1_700_000_000_000;

function recordingScheduler() {
  const starts = new Map<string, number[]>();
  const scheduler = new Scheduler(politeness, {
    run: async (t) => {
      starts.set(t.name, [...(starts.get(t.name) ?? []), Date.now()]);
      return result(t);
    },
    onResult: () => undefined,
    onError: (_t, e) => {
      throw e;
    },
  });
  return { scheduler, starts };
}

describe('Scheduler (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('probes every target of a group once per period, each exactly at its own offset', async () => {
    const { scheduler, starts } = recordingScheduler();
    const schedule = '*/2 * * * * *';
    const group: ScheduledGroup = { name: 'g', schedule, targets: ['a', 'b', 'c', 'd'].map((n) => ({ ...target(n), schedule })) };
    scheduler.apply([group]);
    await vi.advanceTimersByTimeAsync(10_000);
    await scheduler.stop(1_000);
    for (const name of ['a', 'b', 'c', 'd']) {
      const times = starts.get(name) ?? [];
      // Rounds start at T0+2s, +4s, +6s, +8s (and +10s, whose probes fall due after the end).
      expect(times.length, name).toBe(4);
      // On the dispatcher's first tick after the offset (node-cron fires a round a millisecond after
      // the second, its own rounding), nothing later: the clock is fake, so this bound cannot flake.
      times.forEach((t, i) => {
        const expected = T0 + 2000 * (i + 1) + stableFraction(name) * 2000;
        expect(t - expected, `${name} round ${i} at ${t}, expected ${expected}`).toBeGreaterThanOrEqual(0);
        expect(t - expected, `${name} round ${i} at ${t}, expected ${expected}`).toBeLessThanOrEqual(DISPATCH_TICK_MS + 1);
      });
    }
    const stats = scheduler.snapshotStats();
    expect(stats.probesTotal.g).toBe(16);
    expect(stats.roundsMissed.g).toBe(0);
    expect(stats.latenessSeconds.g).toBeLessThan(DISPATCH_TICK_MS / 1000 + 0.002);
  });

  it('returns a copy of its counters, not the live object', async () => {
    const { scheduler } = recordingScheduler();
    scheduler.apply([{ name: 'g', schedule: '* * * * * *', targets: [target('a')] }]);
    const before = scheduler.snapshotStats();
    await vi.advanceTimersByTimeAsync(3_000);
    await scheduler.stop(1_000);
    expect(before.probesTotal.g).toBe(0);
    expect(scheduler.snapshotStats().probesTotal.g).toBeGreaterThan(0);
  });

  it('stops probing targets a new configuration removed', async () => {
    const { scheduler, starts } = recordingScheduler();
    const schedule = '* * * * * *';
    scheduler.apply([{ name: 'g', schedule, targets: [target('keep'), target('drop')] }]);
    scheduler.apply([{ name: 'g', schedule, targets: [target('keep')] }]);
    await vi.advanceTimersByTimeAsync(5_000);
    await scheduler.stop(1_000);
    expect(starts.get('keep')?.length).toBeGreaterThanOrEqual(4);
    expect(starts.has('drop')).toBe(false);
  });
});

describe('Scheduler (real clock)', () => {
  it('smoke: node-cron on the real clock starts rounds and the dispatcher runs them', async () => {
    const { scheduler, starts } = recordingScheduler();
    scheduler.apply([{ name: 'g', schedule: '* * * * * *', targets: [target('a')] }]);
    await sleep(2_300);
    await scheduler.stop(1_000);
    expect(starts.get('a')?.length).toBeGreaterThanOrEqual(1);
  });
});
