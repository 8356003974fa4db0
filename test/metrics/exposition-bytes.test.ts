// /metrics is served as UTF-8 buffers copied from cached per-target fragments as the client reads
// (series-writer.ts, byte-sink.ts): concatenated, they must be the same bytes whatever the chunk
// size, with multi-byte characters, the same as a cold render across scrapes where only some states
// changed, and one moment's states even when probes are recorded while a scrape is being read.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/metrics/byte-sink.js';
import { BLOCK_TARGETS, createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import { TARGET_METRICS } from '../../src/metrics/metric-definitions.js';
import { LineKeys, keyIdText } from '../../src/metrics/line-keys.js';
import { FamilyPlan, SeriesWriter, fragmentOffset, type Fragment } from '../../src/metrics/series-writer.js';
import { TargetFragmentCache } from '../../src/metrics/target-fragments.js';
import { sharedLabels } from '../../src/metrics/text-format.js';
import type { Expectations } from '../../src/config/types.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATES, GOLDEN_STATUS, mx1, mx2, result, state } from '../fixtures/metrics/states.js';

const unicode = state({
  target: 'bücher.example.test:25',
  group: 'ünïcode',
  last_result: result({ target: 'bücher.example.test:25', banner: { code: 220, lines: ['mx.bücher.example ESMTP 🚀 Grüße'] } }),
});

const mx1Expectations: Expectations = { starttls: 'required', min_size_bytes: 10_000_000 };

function fleet(): { states: TargetState[]; backoffs: Map<string, number>; source: MetricsSource } {
  const states = [...GOLDEN_STATES, unicode];
  const backoffs = new Map([[mx2.target, 120]]);
  const source: MetricsSource = {
    targets: () => states,
    targetConfig: (t) => (t === mx1.target ? { expectations: mx1Expectations } : {}),
    backoffs: () => backoffs,
    status: () => GOLDEN_STATUS,
  };
  return { states, backoffs, source };
}

describe('metricsBody', () => {
  it.each([7, 100, 4096, 256 * 1024])('concatenated chunks of %d bytes are the same bytes as the default chunks', async (chunkBytes) => {
    const { source } = fleet();
    const registry = createExporterRegistry(source);
    const text = await registry.metrics();
    expect(text).toContain('🚀');
    const chunks = [...(await registry.metricsBody('identity', chunkBytes))];
    expect(chunks.length).toBeGreaterThan(chunkBytes < 4096 ? 10 : 0);
    expect(Buffer.concat(chunks).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('stays equal to a cold render when some states are replaced between scrapes (cache hits and misses)', async () => {
    const { states, source } = fleet();
    const registry = createExporterRegistry(source);
    void [...(await registry.metricsBody())];
    states[1] = { ...states[1]!, failure_counts: { connect: { refused: 3 } } };
    states.push(state({ target: 'new.example.test:25', group: 'mx' }));
    const chunks = [...(await registry.metricsBody('identity', 1000))];
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await createExporterRegistry(source).metrics());
    expect(Buffer.concat(chunks).toString('utf8')).toContain('smtp_probe_failures_total{target="mx2.example.test:25",group="mx",stage="connect",reason="refused"} 3');
  });
  it("a scrape being read keeps the states it started with while targets are probed again", async () => {
    const { states, source } = fleet();
    const registry = createExporterRegistry(source);
    const before = await registry.metrics();
    const body = (await registry.metricsBody('identity', 100))[Symbol.iterator]();
    const read = [body.next().value as Buffer];
    for (let i = 0; i < states.length; i++) {
      states[i] = { ...states[i]!, failure_counts: { greeting: { timeout: 7 } } };
      registry.prerender(states[i]!);
    }
    for (let next = body.next(); !next.done; next = body.next()) read.push(next.value);
    expect(Buffer.concat(read).toString('utf8')).toBe(before);
    const after = await registry.metrics();
    expect(after).toContain('stage="greeting",reason="timeout"} 7');
    expect(after).toBe(await createExporterRegistry(source).metrics());
  });

});

describe('metricsBody as gzip', () => {
  const gunzip = async (registry: ReturnType<typeof createExporterRegistry>, chunkBytes?: number) =>
    gunzipSync(Buffer.concat([...(await registry.metricsBody('gzip', chunkBytes))])).toString('utf8');

  it('decompresses to the text body across scrapes where states, targets, their order and back-offs change', async () => {
    const { states, backoffs, source } = fleet();
    const registry = createExporterRegistry(source);
    const steps: Array<() => void> = [
      () => undefined,
      () => undefined,
      () => (states[0] = { ...states[0]!, last_result: { ...states[0]!.last_result!, timings_seconds: { total: 0.999 } } }),
      () => (states[1] = { ...states[1]!, failure_counts: { connect: { refused: 3 } } }),
      () => states.push(state({ target: 'new.example.test:25', group: 'mx' })),
      () => states.reverse(),
      () => states.splice(1, 1),
      () => backoffs.set(mx2.target, 90),
      () => backoffs.clear(),
      () => undefined,
      () => backoffs.set(mx1.target, 0.5),
      () => (states[0] = { ...states[0]!, group: 'moved' }),
    ];
    for (const step of steps) {
      step();
      for (const s of states) registry.prerender(s);
      const text = await registry.metrics();
      expect(await gunzip(registry)).toBe(text);
      expect(await gunzip(registry, 500)).toBe(text);
    }
  });

  it('a probe recorded while a scrape is being made is in the next scrape, not lost in a reused family', async () => {
    const { states, source } = fleet();
    const registry = createExporterRegistry(source);
    await gunzip(registry);
    const pending = registry.metricsBody('gzip');
    // The scrape has captured its fragments and now awaits prom-client's part: a probe lands.
    states[0] = { ...states[0]!, failure_counts: { greeting: { timeout: 7 } } };
    registry.prerender(states[0]!);
    const during = gunzipSync(Buffer.concat([...(await pending)])).toString('utf8');
    expect(during).not.toContain('reason="timeout"} 7');
    expect(await gunzip(registry)).toContain('reason="timeout"} 7');
  });

  it('sends a family no probe changed as the bytes compressed before, and compresses a changed one anew', async () => {
    const { states, source } = fleet();
    const registry = createExporterRegistry(source);
    const first = [...(await registry.metricsBody('gzip', 500))];
    const last = states[0]!.last_result!;
    states[0] = { ...states[0]!, last_result: { ...last, timings_seconds: { ...last.timings_seconds, total: 0.999 } } };
    const second = [...(await registry.metricsBody('gzip', 500))];
    const reused = second.filter((piece) => first.includes(piece));
    // Most families are the same objects (all but the header, the duration's, the fresh tail and the trailer)…
    expect(reused.length).toBeGreaterThan(second.length / 2);
    expect(reused.length).toBeLessThan(second.length - 3);
    // …and the text says the new duration.
    expect(gunzipSync(Buffer.concat(second)).toString('utf8')).toContain(`smtp_probe_duration_seconds{target="${states[0]!.target}",group="${states[0]!.group}"} 0.999`);
  });
});

describe('metricsBody as gzip, a large fleet', () => {
  const N = 3 * BLOCK_TARGETS;
  /** The bytes of a gzip body compressed for this scrape rather than sent again from an earlier one. */
  const freshBytes = (before: readonly Buffer[], after: readonly Buffer[]) =>
    after.filter((piece) => !before.includes(piece)).reduce((sum, piece) => sum + piece.length, 0);
  const reprobed = (s: TargetState, total: number): TargetState => ({ ...s, last_result: { ...s.last_result!, timings_seconds: { ...s.last_result!.timings_seconds, total } } });

  function fleetOf(): { states: TargetState[]; registry: ReturnType<typeof createExporterRegistry> } {
    const states = Array.from({ length: N }, (_, i) => ({ ...mx1, target: `mx${i}.example.test:25` }));
    const registry = createExporterRegistry({ targets: () => states, targetConfig: () => ({}), backoffs: () => new Map(), status: () => GOLDEN_STATUS });
    return { states, registry };
  }

  it('compresses a family in blocks of targets and sends again the blocks none of whose targets changed', async () => {
    const probe = async (targets: number[]) => {
      const { states, registry } = fleetOf();
      const before = [...(await registry.metricsBody('gzip'))];
      for (const t of targets) {
        states[t] = reprobed(states[t]!, 1 + t / 100_000);
        registry.prerender(states[t]!);
      }
      const after = [...(await registry.metricsBody('gzip'))];
      expect(gunzipSync(Buffer.concat(after)).toString('utf8')).toBe(await registry.metrics());
      return freshBytes(before, after);
    };
    // Ten neighbours probed again (one block of the changed families) against one target in each of the three blocks.
    const neighbours = await probe(Array.from({ length: 10 }, (_, k) => BLOCK_TARGETS + 100 + k));
    const spread = await probe([5, BLOCK_TARGETS + 5, 2 * BLOCK_TARGETS + 5]);
    expect(neighbours).toBeLessThan(spread * 0.6);
  });

  it('a block is compressed again when one of its targets changes while a scrape is being made', async () => {
    const { states, registry } = fleetOf();
    await registry.metricsBody('gzip');
    const pending = registry.metricsBody('gzip');
    states[BLOCK_TARGETS] = reprobed(states[BLOCK_TARGETS]!, 4.5);
    registry.prerender(states[BLOCK_TARGETS]!);
    const during = gunzipSync(Buffer.concat([...(await pending)])).toString('utf8');
    expect(during).not.toContain('} 4.5\n');
    const next = gunzipSync(Buffer.concat([...(await registry.metricsBody('gzip'))])).toString('utf8');
    expect(next).toContain(`smtp_probe_duration_seconds{target="mx${BLOCK_TARGETS}.example.test:25",group="mx"} 4.5`);
    expect(next).toBe(await registry.metrics());
  });
});

describe('TargetFragmentCache', () => {
  it('keeps a target\'s text when a reload hands it equal new config objects, renders it again when they differ', () => {
    const cache = new TargetFragmentCache();
    const discovery = { domain: 'example.test', mx_host: 'mx1.example.test', mx_preference: 10, family: 'ipv4' as const, address: '192.0.2.10' };
    const first = cache.get(mx1, { starttls: 'required', required_extensions: ['SIZE'] }, discovery);
    const reloaded = cache.get(mx1, { starttls: 'required', required_extensions: ['SIZE'] }, { ...discovery });
    expect(reloaded.fragment).toBe(first.fragment);
    expect(cache.changes.every((n) => n === 0)).toBe(true);
    const stricter = cache.get(mx1, { starttls: 'required', required_extensions: ['SIZE', 'CHUNKING'] }, { ...discovery });
    expect(stricter.fragment).not.toBe(first.fragment);
    const moved = cache.get(mx1, { starttls: 'required', required_extensions: ['SIZE', 'CHUNKING'] }, { ...discovery, mx_preference: 20 });
    expect(moved.fragment).not.toBe(stricter.fragment);
    expect(moved.fragment.toString('latin1')).toContain('mx_preference="20"');
  });
});

describe('SeriesWriter', () => {
  const plan = new FamilyPlan([TARGET_METRICS.probeSuccess, TARGET_METRICS.probeDuration, TARGET_METRICS.phaseDuration, TARGET_METRICS.bannerInfo], [TARGET_METRICS.bannerInfo]);
  const labels = sharedLabels({ target: 't:25', group: 'g' });
  const keys = new LineKeys();
  const render = (duration: number) => {
    const w = new SeriesWriter(plan, labels, keys);
    w.add(TARGET_METRICS.probeSuccess, labels, 1);
    w.add(TARGET_METRICS.probeDuration, labels, duration);
    return w.finish();
  };
  /** Part 0: the target labels; part i + 1: family i's lines, put back together as a scrape does (without name and target labels). */
  const text = (f: Fragment, part: number, from: LineKeys = keys) => {
    if (part === 0) return f.toString('utf8', fragmentOffset(f, 0), fragmentOffset(f, 1));
    const sink = new ByteSink();
    sink.writeFragmentLines(Buffer.alloc(0), Buffer.alloc(0), from.bytes, f, fragmentOffset(f, part), fragmentOffset(f, part + 1));
    return Buffer.concat(sink.finish()).toString('utf8');
  };

  it('keeps the target labels once and each line from its own labels on, in a new fragment each time', () => {
    const a = render(0.5);
    const b = render(0.123456);
    expect(b).not.toBe(a);
    expect(text(a, 2)).toBe('} 0.5\n');
    expect(text(b, 0)).toBe('target="t:25",group="g"');
    expect(text(b, 2)).toBe('} 0.123456\n');
    expect(text(b, 1)).toBe('} 1\n');
    const longLabels = sharedLabels({ target: 'x'.repeat(a.length), group: 'g' });
    const long = new SeriesWriter(plan, longLabels, keys);
    long.add(TARGET_METRICS.probeSuccess, longLabels, 1);
    const c = long.finish();
    expect(text(c, 0)).toContain('x'.repeat(a.length));
    expect(text(c, 1)).toBe('} 1\n');
    expect(text(c, 2)).toBe('');
    expect(() => long.add(TARGET_METRICS.probeSuccess, labels, 1)).toThrow('a series of another target');
    expect(() => long.writeExposition({ writeString: () => undefined })).toThrow('use finish()');
  });

  it("keeps a line's labels as a key shared by every target, the target's own banner written out, the same text when the table is full", () => {
    const write = (target: string, into: LineKeys | null) => {
      const own = sharedLabels({ target, group: 'g' });
      const w = new SeriesWriter(plan, own, into);
      w.add(TARGET_METRICS.phaseDuration, own, 0.25, 'connect');
      w.add(TARGET_METRICS.phaseDuration, own, 0.5, 'ehlo');
      w.add(TARGET_METRICS.bannerInfo, own, 1, `${target} ESMTP`);
      return w.finish();
    };
    const shared = new LineKeys();
    const first = write('a:25', shared);
    const second = write('b:25', shared);
    expect(shared.bytes.map(String)).toEqual([',phase="connect"} ', ',phase="ehlo"} ']);
    // Two bytes of key id and the value: `0.25\n` and `0.5\n`.
    expect(fragmentOffset(second, 4) - fragmentOffset(second, 3)).toBe(2 + 5 + 2 + 4);
    expect(text(second, 3, shared)).toBe(',phase="connect"} 0.25\n,phase="ehlo"} 0.5\n');
    expect(text(first, 4, shared)).toBe(',banner="a:25 ESMTP"} 1\n');
    expect(text(second, 4, shared)).toBe(',banner="b:25 ESMTP"} 1\n');
    // A full table (or none): the keys are written out in the lines, and read back the same.
    const full = new LineKeys(1);
    const third = write('c:25', full);
    expect(full.bytes.map(String)).toEqual([',phase="connect"} ']);
    expect(text(third, 3, full)).toBe(',phase="connect"} 0.25\n,phase="ehlo"} 0.5\n');
    expect(text(write('d:25', null), 3, full)).toBe(',phase="connect"} 0.25\n,phase="ehlo"} 0.5\n');
  });

  it('writes an exposition with HELP and TYPE, a blank line between families, empty ones kept or left out', () => {
    const w = new SeriesWriter(new FamilyPlan([TARGET_METRICS.probeSuccess, TARGET_METRICS.probeDuration]));
    w.add(TARGET_METRICS.probeDuration, labels, 0.5);
    const text = (skipEmpty: boolean) => {
      const out: string[] = [];
      w.writeExposition({ writeString: (t) => void out.push(t) }, skipEmpty);
      return out.join('');
    };
    const duration = `# HELP smtp_probe_duration_seconds ${TARGET_METRICS.probeDuration.help}\n# TYPE smtp_probe_duration_seconds gauge\nsmtp_probe_duration_seconds{target="t:25",group="g"} 0.5\n`;
    expect(text(true)).toBe(duration);
    expect(text(false)).toBe(`# HELP smtp_probe_success ${TARGET_METRICS.probeSuccess.help}\n# TYPE smtp_probe_success gauge\n\n${duration}`);
    expect(() => w.add(TARGET_METRICS.backoff, labels, 1)).toThrow('smtp_probe_backoff_seconds is not part of this writer');
    expect(() => w.add(TARGET_METRICS.probeSuccess, null, 1)).toThrow('shared labels mismatch');
  });
});

describe('ByteSink', () => {
  it('keeps strings and lines whole, puts lines back together with their name and labels, and loses nothing', () => {
    const sink = new ByteSink(16);
    sink.writeString('abc');
    sink.writeString('ü🚀xxxxxxxxxx'); // 17 bytes: more than a chunk, a chunk of its own
    const fragment = Buffer.from('t="ü"} 1\n} 22\n,k="v"} 333\n');
    const labelsEnd = Buffer.byteLength('t="ü"');
    sink.writeLines(Buffer.from('m{'), fragment.subarray(0, labelsEnd), fragment, labelsEnd, fragment.length);
    sink.writeString('end');
    const chunks = sink.finish();
    expect(Buffer.concat(chunks).toString('utf8')).toBe('abcü🚀xxxxxxxxxxm{t="ü"} 1\nm{t="ü"} 22\nm{t="ü",k="v"} 333\nend');
    // No line is split between two chunks: each chunk after the first starts a line (or the tail).
    expect(chunks.map((c) => c.toString('utf8'))).toEqual(['abc', 'ü🚀xxxxxxxxxx', 'm{t="ü"} 1\n', 'm{t="ü"} 22\n', 'm{t="ü",k="v"} 333\n', 'end']);
  });

  it("puts a fragment's keyed and written-out lines back together, also a key id whose second byte is a line feed", () => {
    const keys = Array.from({ length: 200 }, (_, i) => Buffer.from(`,k="${i}"} `));
    const line = (id: number, value: string) => `${keyIdText(id)}${value}\n`;
    const fragment = Buffer.from(`${line(10, '1')}${line(138, '22')}\0,x="ü"} 3\n`);
    const sink = new ByteSink(16);
    sink.writeFragmentLines(Buffer.from('m{'), Buffer.from('t="a"'), keys, fragment, 0, fragment.length);
    expect(Buffer.concat(sink.finish()).toString('utf8')).toBe('m{t="a",k="10"} 1\nm{t="a",k="138"} 22\nm{t="a",x="ü"} 3\n');
  });

  it('hands over full chunks as they are written and keeps the one it is filling until finish()', () => {
    const sink = new ByteSink(8);
    sink.writeString('12345');
    expect(sink.hasFullChunks).toBe(false);
    sink.writeString('6789');
    expect(sink.hasFullChunks).toBe(true);
    expect(sink.take().map(String)).toEqual(['12345']);
    expect(sink.take()).toEqual([]);
    sink.writeString('!');
    expect(sink.finish().map(String)).toEqual(['6789!']);
    expect(new ByteSink(8).finish()).toEqual([]);
  });
});
