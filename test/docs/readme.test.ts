// The README's metric reference must be the metric table of the code, row for row.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ALL_METRICS, RUNTIME_METRICS } from '../../src/metrics/metric-definitions.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

export function metricsTable(): string {
  const rows = ALL_METRICS.map(
    (m) => `| \`${m.name}\` | ${m.type === 'info' ? 'gauge' : m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.help} |`,
  );
  return ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

it('lists every metric the exporter defines, with its type, labels and HELP', () => {
  const m = /<!-- metrics-table:[^\n]*-->\n([\s\S]*?)\n<!-- \/metrics-table -->/.exec(readme);
  expect(m, 'README has the metrics-table markers').not.toBeNull();
  expect(m![1]).toBe(metricsTable());
});

it('names every process and runtime metric the exporter adds', () => {
  for (const { name } of RUNTIME_METRICS) expect(readme, name).toContain(`\`${name}\``);
});

it('states the two set-up commands', () => {
  expect(readme).toContain('npm ci && npm run build && npm start');
  expect(readme).toContain('\nnpm test\n');
});
