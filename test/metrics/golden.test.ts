// The whole /metrics exposition for a fixed set of states, compared with a golden file and checked
// by promtool. Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { ALL_METRICS } from '../../src/metrics/metric-definitions.js';
import { GOLDEN_STATES, GOLDEN_STATUS, mx1, mx2 } from '../fixtures/metrics/states.js';
import { expectPromtoolClean } from '../support/promtool.js';
import { parseExposition } from './parse-exposition.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/metrics/golden.prom', import.meta.url));

const source: MetricsSource = {
  targets: () => GOLDEN_STATES,
  expectations: (t) =>
    t === mx1.target ? { starttls: 'required', min_size_bytes: 10_000_000, required_extensions: ['CHUNKING'] } : undefined,
  backoffSeconds: (t) => (t === mx2.target ? 120 : 0),
  status: () => GOLDEN_STATUS,
};

/** build_info carries the real version in production; the golden file holds placeholders. */
function normalise(text: string): string {
  return text.replace(/^smtp_exporter_build_info\{.*\} 1$/m, 'smtp_exporter_build_info{version="VERSION",revision="REVISION",branch="BRANCH",nodejs="NODE"} 1');
}

describe('golden /metrics', () => {
  it('matches test/fixtures/metrics/golden.prom', async () => {
    const text = normalise(await createExporterRegistry(source).metrics());
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('passes promtool check metrics', async (ctx) => {
    expectPromtoolClean(await createExporterRegistry(source).metrics(), ctx);
  });

  it('emits only names from the table, with the table HELP and TYPE', async () => {
    const parsed = parseExposition(await createExporterRegistry(source).metrics());
    const table = new Map(ALL_METRICS.map((d) => [d.name, d]));
    for (const s of parsed.samples) {
      const def = table.get(s.name);
      expect(def, s.name).toBeDefined();
      expect(Object.keys(s.labels).sort(), s.name).toEqual([...def!.labels].sort());
    }
    for (const def of ALL_METRICS) {
      expect(parsed.help.get(def.name)).toBe(def.help);
      expect(parsed.type.get(def.name)).toBe(def.type === 'info' ? 'gauge' : def.type);
    }
    expect([...parsed.help.keys()].sort()).toEqual(ALL_METRICS.map((d) => d.name).sort());
  });
});
