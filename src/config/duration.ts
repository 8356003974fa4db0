// Durations as Prometheus writes them (`10s`, `1m30s`, `1h`, `30d`): units largest first, each at
// most once, so a value reads the same in our config as in prometheus.yml next to it.

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 86400],
  ['w', 7 * 86400],
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
  ['ms', 0.001],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Seconds, or null when `text` is not a duration. `0` alone is accepted, as Prometheus does. */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  if (text === '') return null;
  const m = DURATION_RE.exec(text);
  if (m === null) return null;
  let ms = 0;
  UNITS.forEach(([, seconds], i) => {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * seconds * 1000;
  });
  // Counted in milliseconds so that `1s500ms` is exactly 1.5 and not a float sum.
  return Number.isSafeInteger(ms) ? ms / 1000 : null;
}

/** The shortest Prometheus-style spelling of a number of seconds, e.g. 90 → `1m30s`. */
export function formatDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const unitMs = Math.round(size * 1000);
    const n = Math.floor(ms / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * unitMs;
    }
  }
  return out;
}
