// Not a test: a local measurement of one /metrics scrape over 10,000 targets.
// Run: npx tsc --outDir /tmp/scrape-bench --noEmit false --module nodenext --target es2022 \
//        --skipLibCheck --types node test/metrics/scrape-bench.ts && node /tmp/scrape-bench/test/metrics/scrape-bench.js
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATUS, mx1 } from '../fixtures/metrics/states.js';

const N = 10_000;
const states: TargetState[] = Array.from({ length: N }, (_, i) => ({
  ...mx1,
  target: `mx${i}.example.test:25`,
  group: `g${i % 10}`,
}));
const source: MetricsSource = {
  targets: () => states,
  expectations: () => ({ starttls: 'required', min_size_bytes: 1_000_000 }),
  backoffSeconds: () => 0,
  status: () => GOLDEN_STATUS,
};
const registry = createExporterRegistry(source);
const times: number[] = [];
let lines = 0;
for (let i = 0; i < 12; i++) {
  const t = performance.now();
  const text = await registry.metrics();
  times.push(performance.now() - t);
  lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}
times.sort((a, b) => a - b);
console.log(`${N} targets, ${lines} series: median ${times[6]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times[11]!.toFixed(1)} ms`);
