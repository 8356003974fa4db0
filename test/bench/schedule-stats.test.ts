import { describe, expect, it } from 'vitest';
import { judgeSchedule } from './schedule-stats.js';

// Three targets due at 0, 40% and 90% of a 10 s period; round 0 starts at t = 0, rounds 1 and 2 are judged.
const input = { fractions: Float64Array.from([0, 0.4, 0.9]), firstRoundAt: 0, periodMs: 10_000, fromRound: 1, toRound: 3 };

describe('judgeSchedule', () => {
  it('names a missed session with the nearest one the fleet saw of that target', () => {
    // Target 2 came in round 1 only, and 6 s late into round 3 (judged as round 3, outside the window).
    const arrivals = { index: [0, 1, 2, 0, 1, 2], at: [10_000, 14_010, 19_020, 20_005, 24_000, 35_000] };
    const report = judgeSchedule(arrivals, input);
    expect(report).toMatchObject({ due: 6, completed: 5, missed: 1, duplicates: 0 });
    expect(report.missedExamples).toEqual([{ target: 2, round: 2, nearestArrivalMs: 6_000 }]);
  });

  it('says when the fleet never saw the target at all', () => {
    const arrivals = { index: [0, 0], at: [10_000, 20_000] };
    const report = judgeSchedule(arrivals, input);
    expect(report.missed).toBe(4);
    expect(report.missedExamples).toEqual([
      { target: 1, round: 1, nearestArrivalMs: null },
      { target: 1, round: 2, nearestArrivalMs: null },
      { target: 2, round: 1, nearestArrivalMs: null },
      { target: 2, round: 2, nearestArrivalMs: null },
    ]);
  });
});
