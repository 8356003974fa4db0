// Prometheus durations of one unit ("15m"), as seconds and as words for alert texts ("15 minutes").

const UNITS: Readonly<Record<string, { seconds: number; word: string }>> = {
  s: { seconds: 1, word: 'second' },
  m: { seconds: 60, word: 'minute' },
  h: { seconds: 3600, word: 'hour' },
  d: { seconds: 86400, word: 'day' },
};

function parse(duration: string | undefined): { n: number; unit: { seconds: number; word: string } } {
  const m = /^(\d+)([smhd])$/.exec(duration ?? '');
  const unit = UNITS[m?.[2] ?? ''];
  if (!m || !unit) throw new Error(`mixin config: expected a one-unit duration such as "15m", got ${JSON.stringify(duration)}`);
  return { n: Number(m[1]), unit };
}

export function durationSeconds(duration: string | undefined): number {
  const { n, unit } = parse(duration);
  return n * unit.seconds;
}

export function spelledDuration(duration: string | undefined): string {
  const { n, unit } = parse(duration);
  return `${n} ${unit.word}${n === 1 ? '' : 's'}`;
}
