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
const parts = { state: 0, render: 0, transcript: 0 };
for (let round = 0; round < ROUNDS; round++) {
  now += 60;
  // Results cross from the probe worker as fresh objects: cloned outside the measured span.
  const results = Array.from({ length: N }, (_, i) => ({ ...structuredClone(template), target: `mx${i}.example.test:25`, host: `mx${i}.example.test`, started_at: now, timings_seconds: { connect: 0.001 + i / 1e7, greeting: 0.002, ehlo: 0.003, quit: 0.001, total: 0.007 + round / 1e4 } }));
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const r = results[i]!;
    let a = performance.now();
    states.record(r.target, `g${i % 10}`, r);
    let b = performance.now();
    if (round > 0) parts.state += b - a;
    registry.prerender(states.get(r.target)!);
    a = performance.now();
    if (round > 0) parts.render += a - b;
    transcripts.record(r.target, r);
    b = performance.now();
    if (round > 0) parts.transcript += b - a;
  }
  const cpu = process.cpuUsage(t0);
  console.log(`round ${round}: ${((cpu.user + cpu.system) / 1000 / N * 1000).toFixed(1)} µs CPU per result`);
}
const per = (ms: number) => ((ms / (N * (ROUNDS - 1))) * 1000).toFixed(1);
console.log(`after the first round, µs per result: state ${per(parts.state)}, render ${per(parts.render)}, transcript ${per(parts.transcript)}`);
store.close();
rmSync(dir, { recursive: true });
