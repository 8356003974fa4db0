// Probe failures counted per target, keyed by the typed (stage, reason) pair: a nested map in memory
// and in the store, so nothing builds a "stage/reason" string only to split it again. The flat
// "stage/reason" form exists only at the edges that promised it: the /api JSON, and documents an
// older version stored.
import type { FailureKey, FailureReason, Stage } from '../probe/probe-result.js';

export type FailureCounts = Readonly<Partial<Record<Stage, Readonly<Partial<Record<FailureReason, number>>>>>>;

/** `counts` with one more failure of `key`; the input is not changed. */
export function countFailure(counts: FailureCounts, key: FailureKey): FailureCounts {
  const byReason = counts[key.stage] ?? {};
  return { ...counts, [key.stage]: { ...byReason, [key.reason]: (byReason[key.reason] ?? 0) + 1 } };
}

/** Every counted key with its count, stage by stage in insertion order. */
export function* failureEntries(counts: FailureCounts): Generator<[FailureKey, number]> {
  for (const stage in counts) {
    const byReason = counts[stage as Stage]!;
    for (const reason in byReason) {
      const n = byReason[reason as FailureReason];
      if (n !== undefined) yield [{ stage: stage as Stage, reason: reason as FailureReason }, n];
    }
  }
}

/** The /api form, `{ "connect/refused": 2 }`, kept as the JSON contract it was. */
export function flatFailureCounts(counts: FailureCounts): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [key, n] of failureEntries(counts)) flat[`${key.stage}/${key.reason}`] = n;
  return flat;
}

/**
 * A stored document's counts: nested as written now, or flat ("stage/reason") as written before.
 * Anything else (a hand-edited or damaged document) is dropped rather than trusted.
 */
export function decodeFailureCounts(raw: unknown): FailureCounts {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  let counts: FailureCounts = {};
  const add = (stage: string, reason: string, n: unknown): void => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return;
    const byReason = counts[stage as Stage] ?? {};
    counts = { ...counts, [stage]: { ...byReason, [reason]: n } };
  };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'object' && value !== null) {
      for (const [reason, n] of Object.entries(value)) add(key, reason, n);
    } else {
      const slash = key.indexOf('/');
      if (slash > 0) add(key.slice(0, slash), key.slice(slash + 1), value);
    }
  }
  return counts;
}
