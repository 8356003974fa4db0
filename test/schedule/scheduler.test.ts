import { describe, expect, it } from 'vitest';
import { Scheduler, type ScheduledGroup } from '../../src/schedule/scheduler.js';
import { stableFraction } from '../../src/schedule/stable-offset.js';
import { result, sleep, target } from './dispatcher-fixtures.js';

const politeness = { max_concurrency: 8, min_gap_seconds: 0, backoff_initial_seconds: 60, backoff_max_seconds: 3600 };

describe('Scheduler', () => {
  it('probes every target of a group once per period, each at its own offset', async () => {
    const starts = new Map<string, number[]>();
    const group: ScheduledGroup = {
      name: 'g',
      schedule: '*/2 * * * * *',
      targets: ['a', 'b', 'c', 'd'].map((n) => ({ ...target(n), schedule: '*/2 * * * * *' })),
    };
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
    scheduler.apply([group]);
    await sleep(6_500);
    await scheduler.stop(1_000);
    for (const name of ['a', 'b', 'c', 'd']) {
      const times = starts.get(name) ?? [];
      expect(times.length, name).toBeGreaterThanOrEqual(2);
      expect(times.length, name).toBeLessThanOrEqual(4);
      // Each start sits at the target's fixed fraction of the 2 s period.
      for (const t of times) {
        const phase = (t % 2000) / 2000;
        const expected = stableFraction(name);
        const distance = Math.min(Math.abs(phase - expected), 1 - Math.abs(phase - expected));
        expect(distance, `${name} at ${t}`).toBeLessThan(0.1);
      }
    }
    const stats = scheduler.snapshotStats();
    expect(stats.probesTotal.g).toBe([...starts.values()].reduce((n, t) => n + t.length, 0));
    expect(stats.roundsMissed.g ?? 0).toBe(0);
  });

  it('stops probing targets a new configuration removed', async () => {
    const seen: string[] = [];
    const scheduler = new Scheduler(politeness, {
      run: async (t) => (seen.push(t.name), result(t)),
      onResult: () => undefined,
      onError: () => undefined,
    });
    const schedule = '* * * * * *';
    scheduler.apply([{ name: 'g', schedule, targets: [target('keep'), target('drop')] }]);
    scheduler.apply([{ name: 'g', schedule, targets: [target('keep')] }]);
    await sleep(2_300);
    await scheduler.stop(1_000);
    expect(seen).toContain('keep');
    expect(seen).not.toContain('drop');
  });
});
