// A line diff (longest common subsequence) for two transcripts, aligned for side-by-side display.
// Transcripts are bounded (200 entries), so the O(n·m) table stays under 40,000 cells.

export type DiffRow =
  | { kind: 'same'; left: string; right: string }
  | { kind: 'changed'; left: string | null; right: string | null };

export function lineDiff(left: readonly string[], right: readonly string[]): DiffRow[] {
  const n = left.length;
  const m = right.length;
  // lcs[i][j]: length of the LCS of left[i..] and right[j..], in one flat array.
  const lcs = new Uint16Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] = left[i] === right[j] ? lcs[at(i + 1, j + 1)]! + 1 : Math.max(lcs[at(i + 1, j)]!, lcs[at(i, j + 1)]!);
    }
  }
  const rows: DiffRow[] = [];
  const removed: string[] = [];
  const added: string[] = [];
  // Pairs a run of removed lines with the run of added lines next to it: "SIZE 10240000" beside
  // "SIZE 20480000" reads as one changed line.
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push({ kind: 'changed', left: removed[k] ?? null, right: added[k] ?? null });
    removed.length = 0;
    added.length = 0;
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      flush();
      rows.push({ kind: 'same', left: left[i]!, right: right[j]! });
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[at(i + 1, j)]! >= lcs[at(i, j + 1)]!)) {
      removed.push(left[i++]!);
    } else {
      added.push(right[j++]!);
    }
  }
  flush();
  return rows;
}
