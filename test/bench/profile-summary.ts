// Summarises a V8 CPU profile (node --cpu-prof): self time per function, and total (inclusive)
// time per function, top N each, optionally only between two times (seconds since the profile
// began, e.g. to leave out start-up and the warm-up round):
//   node .bench-build/test/bench/profile-summary.js FILE [N] [FROM_S TO_S]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, topText, fromText, toText] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [N] [FROM_S TO_S]\n');
  process.exit(2);
}
const top = Number(topText ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the delta to the next sample; timeDeltas[i] leads up to sample i.
const fromUs = fromText === undefined ? -Infinity : Number(fromText) * 1e6;
const toUs = toText === undefined ? Infinity : Number(toText) * 1e6;
const selfUs = new Map<number, number>();
let sinceStart = 0;
for (let i = 0; i < profile.samples.length; i++) {
  sinceStart += profile.timeDeltas[i] ?? 0;
  if (sinceStart < fromUs || sinceStart >= toUs) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
}
const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (const [id, us] of selfUs) {
  all += us;
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + us);
  }
}
const show = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)\n`);
  for (const [l, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * us) / all).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}\n`);
  }
};
show('self time', self);
show('total time', total);
