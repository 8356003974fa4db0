// /metrics is served as UTF-8 buffers copied from cached per-target fragments (fragment-writer.ts,
// byte-sink.ts): concatenated, they must be byte for byte the text of registry.metrics(), whatever
// the chunk size, with multi-byte characters, and across scrapes where only some states changed.
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/metrics/byte-sink.js';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { SnapshotRegistry } from '../../src/metrics/snapshot-registry.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATES, GOLDEN_STATUS, mx1, mx2, result, state } from '../fixtures/metrics/states.js';

const unicode = state({
  target: 'bücher.example.test:25',
  group: 'ünïcode',
  last_result: result({ target: 'bücher.example.test:25', banner: { code: 220, lines: ['mx.bücher.example ESMTP 🚀 Grüße'] } }),
});

function fleet(): { states: TargetState[]; source: MetricsSource } {
  const states = [...GOLDEN_STATES, unicode];
  const source: MetricsSource = {
    targets: () => states,
    expectations: (t) => (t === mx1.target ? { starttls: 'required', min_size_bytes: 10_000_000 } : undefined),
    backoffSeconds: (t) => (t === mx2.target ? 120 : 0),
    status: () => GOLDEN_STATUS,
  };
  return { states, source };
}

describe('metricsChunks', () => {
  it.each([7, 100, 4096, 256 * 1024])('concatenated chunks of %d bytes are exactly metrics(), UTF-8 encoded', async (chunkBytes) => {
    const { source } = fleet();
    const registry = createExporterRegistry(source) as SnapshotRegistry;
    const text = await registry.metrics();
    expect(text).toContain('🚀');
    const chunks = await registry.metricsChunks(chunkBytes);
    expect(Buffer.concat(chunks).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('stays equal to metrics() when some states are replaced between scrapes (cache hits and misses)', async () => {
    const { states, source } = fleet();
    const registry = createExporterRegistry(source) as SnapshotRegistry;
    await registry.metricsChunks();
    states[1] = { ...states[1]!, failure_counts: { 'connect/refused': 3 } };
    states.push(state({ target: 'new.example.test:25', group: 'mx' }));
    const chunks = await registry.metricsChunks(1000);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await registry.metrics());
    expect(Buffer.concat(chunks).toString('utf8')).toContain('smtp_probe_failures_total{target="mx2.example.test:25",group="mx",stage="connect",reason="refused"} 3');
  });
});

describe('ByteSink', () => {
  it('keeps strings whole, splits copied bytes across chunks, and loses nothing', () => {
    const sink = new ByteSink(8);
    sink.writeString('abc');
    sink.writeString('ü🚀x'); // 7 bytes: does not fit after 3, starts the next chunk
    const source = Buffer.from('0123456789abcdefghij');
    sink.writeBytes(source, 2, 19);
    sink.writeString('a longer string than one chunk');
    const chunks = sink.finish();
    expect(Buffer.concat(chunks).toString('utf8')).toBe('abcü🚀x23456789abcdefghia longer string than one chunk');
    expect(chunks.slice(0, -1).every((c) => c.length <= 8)).toBe(true);
  });

  it("passes another sink's chunks on as they are, after what it holds, and allocates nothing for them", () => {
    const column = new ByteSink(8);
    column.writeString('column');
    const columnChunks = column.finish();
    const sink = new ByteSink(8);
    sink.writeString('# HELP\n');
    sink.writeChunks(columnChunks);
    sink.writeString('!');
    const chunks = sink.finish();
    expect(Buffer.concat(chunks).toString('utf8')).toBe('# HELP\ncolumn!');
    expect(chunks[1]).toBe(columnChunks[0]);
    expect(new ByteSink(8).finish()).toEqual([]);
  });
});
