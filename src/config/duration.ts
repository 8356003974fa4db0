// Durations as Prometheus writes them (`10s`, `1m30s`, `1h`, `30d`): units largest first, each at
// most once, so a value reads the same in our config as in prometheus.yml next to it.

/** Unit → milliseconds. Integers, so that sums are exact (0.001 * 9 is not). */
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Upper bounds per kind of duration: Node clamps a timer past ~24.8 days to 1 ms, so none may get near. */
export const MAX_TIMEOUT_SECONDS = 5 * 60;
export const MAX_GAP_SECONDS = 86_400;

/** Why a text is not a duration, so a message can name the real problem. */
export type DurationProblem = 'syntax' | 'negative' | 'too_large';

/** Seconds, or the problem. `0` alone is accepted, as Prometheus does. */
export function readDuration(text: string): { seconds: number } | { problem: DurationProblem } {
  if (text === '0') return { seconds: 0 };
  if (text.startsWith('-') && DURATION_RE.test(text.slice(1)) && text.length > 1) return { problem: 'negative' };
  const m = text === '' ? null : DURATION_RE.exec(text);
  if (m === null) return { problem: 'syntax' };
  let ms = 0;
  UNITS.forEach(([, unitMs], i) => {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * unitMs;
  });
  return Number.isSafeInteger(ms) ? { seconds: ms / 1000 } : { problem: 'too_large' };
}

/** Seconds, or null when `text` is not a duration (or too large to be exact). */
export function parseDuration(text: string): number | null {
  const d = readDuration(text);
  return 'seconds' in d ? d.seconds : null;
}

/**
 * A Prometheus-style spelling of a number of seconds, e.g. 90 → `1m30s`. Days are the largest
 * unit, so `30d` prints as written rather than as `4w2d`.
 */
export function formatDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, unitMs] of UNITS.slice(2)) {
    const n = Math.floor(ms / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * unitMs;
    }
  }
  return out;
}
