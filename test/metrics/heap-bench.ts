// Not a test: the live heap and off-heap bytes each target costs in the state and the /metrics
// cache, in process, without sockets: 10,000 STARTTLS results like mx1 (fresh objects per probe,
// as the parser makes them) recorded twice, then a full collection.
// Run: npx tsc --outDir /tmp/heap-bench --noEmit false --strict --module nodenext --target es2022 \
//        --skipLibCheck --types node test/metrics/heap-bench.ts
//      (cd /tmp/heap-bench && ln -sfn "$PWD/node_modules" node_modules && echo '{"type":"module"}' > package.json)
//      node --expose-gc /tmp/heap-bench/test/metrics/heap-bench.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { TargetStates } from '../../src/state/target-states.js';
import { GOLDEN_STATUS, mx1 } from '../fixtures/metrics/states.js';

const N = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const dir = mkdtempSync(join(tmpdir(), 'heap-bench-'));
const store = SqliteStateStore.open(join(dir, 'state.db'));
const states = new TargetStates(store, { now: () => 1_767_225_600, retentionDays: 30 });
const registry = createExporterRegistry({ targets: () => states.snapshot(), targetConfig: () => ({}), backoffs: () => new Map(), status: () => GOLDEN_STATUS });

function usage(): { heap: number; external: number } {
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

const before = usage();
for (let round = 0; round < 2; round++) {
  for (let i = 0; i < N; i++) {
    const target = `mx${i}.example.test:25`;
    const result = { ...structuredClone(mx1.last_result!), target, host: `mx${i}.example.test`, started_at: mx1.last_result!.started_at + round };
    states.record(target, `g${i % 10}`, result);
    if (process.env.NO_RENDER === undefined) registry.prerender(states.get(target)!);
  }
}
const after = usage();
const scrape = Buffer.concat([...(await registry.metricsBody())]).length;
console.log(`${N} targets: live heap ${((after.heap - before.heap) / N).toFixed(0)} B/target, off-heap ${((after.external - before.external) / N).toFixed(0)} B/target; /metrics ${(scrape / N).toFixed(0)} B/target`);
store.close();
rmSync(dir, { recursive: true });
