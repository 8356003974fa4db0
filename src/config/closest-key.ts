// "Did you mean …?" for unknown keys: the allowed key nearest by edit distance, if near enough
// to be a plausible typo rather than a different idea.

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function closestKey(key: string, allowed: readonly string[]): string | null {
  const lower = key.toLowerCase().replace(/-/g, '_');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(lower, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the length (at least 2) catches typos and camelCase/kebab-case slips, not unrelated words.
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : null;
}
