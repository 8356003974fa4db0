// Not a test: the main thread's CPU per recorded probe result (state step, /metrics text, transcript
// key), in process, without sockets: 10,000 results like mx1 recorded round after round.
// Run: npx tsc --outDir /tmp/record-bench --noEmit false --strict --module nodenext --target es2022 \
//        --skipLibCheck --types node test/metrics/record-bench.ts
//      (cd /tmp/record-bench && ln -sfn "$PWD/node_modules" node_modules && echo '{"type":"module"}' > package.json)
//      node /tmp/record-bench/test/metrics/record-bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { TargetStates } from '../../src/state/target-states.js';
import { TranscriptHistory } from '../../src/state/transcript-history.js';
import { GOLDEN_STATUS, mx1 } from '../fixtures/metrics/states.js';

const N = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const dir = mkdtempSync(join(tmpdir(), 'record-bench-'));
const store = SqliteStateStore.open(join(dir, 'state.db'));
let now = 1_767_225_600;
const states = new TargetStates(store, { now: () => now, retentionDays: 30 });
const transcripts = new TranscriptHistory(store);
const registry = createExporterRegistry({ targets: () => states.snapshot(), targetConfig: () => ({}), backoffs: () => new Map(), status: () => GOLDEN_STATUS });
const template = mx1.last_result!;
const spent = { state: 0, render: 0, transcript: 0 };
for (let round = 0; round < ROUNDS; round++) {
  now += 60;
  // Results cross from the probe worker as fresh objects: cloned outside the measured span.
  const results = Array.from({ length: N }, (_, i) => ({ ...structuredClone(template), target: `mx${i}.example.test:25`, host: `mx${i}.example.test`, started_at: now, timings_seconds: { connect: 0.001 + i / 1e7, greeting: 0.002, ehlo: 0.003, quit: 0.001, total: 0.007 + round / 1e4 } }));
  // The first round creates every state, baseline and transcript row: not the steady state.
  const timed = (part: keyof typeof spent, work: () => void) => {
    const start = performance.now();
    work();
    if (round > 0) spent[part] += performance.now() - start;
  };
  const cpu = process.cpuUsage();
  results.forEach((r, i) => {
    timed('state', () => states.record(r.target, `g${i % 10}`, r));
    timed('render', () => registry.prerender(states.get(r.target)!));
    timed('transcript', () => transcripts.record(r.target, r));
  });
  const used = process.cpuUsage(cpu);
  console.log(`round ${round}: ${((used.user + used.system) / N).toFixed(1)} µs CPU per result`);
}
const per = (ms: number) => ((ms / (N * (ROUNDS - 1))) * 1000).toFixed(1);
console.log(`after the first round, µs per result: state ${per(spent.state)}, render ${per(spent.render)}, transcript ${per(spent.transcript)}`);
store.close();
rmSync(dir, { recursive: true });
