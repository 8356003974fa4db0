// Judging a schedule from outside: the fake fleet noted when each target's session arrived; each
// target is due once per round at its stable offset (round start + fraction × period), so every
// arrival says how late it was, which round it served, and how the load spread over the seconds.

export interface Arrivals {
  /** Target index of each session. */
  index: number[];
  /** Wall-clock ms of each session. */
  at: number[];
}

export interface ScheduleInput {
  /** Per target index: its fraction of the period (stableFraction of its name). */
  fractions: Float64Array;
  /** Wall-clock ms when round 0 started (a cron boundary). */
  firstRoundAt: number;
  periodMs: number;
  /** Rounds judged: [fromRound, toRound). */
  fromRound: number;
  toRound: number;
}

export interface ScheduleReport {
  due: number;
  completed: number;
  missed: number;
  /** Sessions beyond one per target and round. */
  duplicates: number;
  latenessMs: { p50: number; p99: number; max: number };
  /** Busiest second of the judged rounds ÷ the average second. */
  busiestSecondRatio: number;
  /**
   * The first few missed sessions, each with the target's arrival nearest to when it was due (ms
   * after due; null when the target never arrived): tells a late session, one that came early, and
   * one the fleet never saw apart.
   */
  missedExamples: MissedSession[];
}

export interface MissedSession {
  target: number;
  round: number;
  nearestArrivalMs: number | null;
}

const MISSED_EXAMPLES = 5;

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function judgeSchedule(arrivals: Arrivals, input: ScheduleInput): ScheduleReport {
  const { fractions, firstRoundAt, periodMs, fromRound, toRound } = input;
  const targets = fractions.length;
  const rounds = toRound - fromRound;
  const seen = new Uint8Array(targets * rounds);
  const lateness: number[] = [];
  const windowStart = firstRoundAt + fromRound * periodMs;
  const seconds = Math.max(1, Math.round((rounds * periodMs) / 1000));
  const perSecond = new Uint32Array(seconds);
  let completed = 0;
  let duplicates = 0;
  for (let i = 0; i < arrivals.index.length; i++) {
    const target = arrivals.index[i]!;
    const at = arrivals.at[i]!;
    if (target < 0 || target >= targets) continue;
    const offset = fractions[target]! * periodMs;
    const round = Math.round((at - firstRoundAt - offset) / periodMs);
    if (round < fromRound || round >= toRound) continue;
    const slot = target * rounds + (round - fromRound);
    if (seen[slot]) {
      duplicates++;
      continue;
    }
    seen[slot] = 1;
    completed++;
    lateness.push(at - (firstRoundAt + round * periodMs + offset));
    const second = Math.floor((at - windowStart) / 1000);
    if (second >= 0 && second < seconds) perSecond[second]!++;
  }
  lateness.sort((a, b) => a - b);
  const missedExamples: MissedSession[] = [];
  for (let slot = 0; slot < seen.length && missedExamples.length < MISSED_EXAMPLES; slot++) {
    if (seen[slot]) continue;
    const target = Math.floor(slot / rounds);
    const round = fromRound + (slot % rounds);
    const due = firstRoundAt + round * periodMs + fractions[target]! * periodMs;
    let nearest: number | null = null;
    for (let i = 0; i < arrivals.index.length; i++) {
      if (arrivals.index[i] !== target) continue;
      const off = arrivals.at[i]! - due;
      if (nearest === null || Math.abs(off) < Math.abs(nearest)) nearest = off;
    }
    missedExamples.push({ target, round, nearestArrivalMs: nearest });
  }
  const total = perSecond.reduce((a, b) => a + b, 0);
  const average = total / seconds;
  return {
    due: targets * rounds,
    completed,
    missed: targets * rounds - completed,
    duplicates,
    latenessMs: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness.at(-1) ?? NaN },
    busiestSecondRatio: average > 0 ? Math.max(...perSecond) / average : NaN,
    missedExamples,
  };
}
