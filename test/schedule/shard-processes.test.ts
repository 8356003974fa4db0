// Two real exporter processes with --shard.count=2 over one config: together they probe every
// target, and no target twice. The fleet is the benchmark's fake fleet (one listener answering for
// 127.77.x.y), which logs which target address each session came to and when.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/schedule/shard.js';
import { FakeFleet } from '../bench/fake-fleet.js';
import { targetAddress } from '../bench/fleet-addresses.js';
import { createSelfSigned } from '../fakes/certificates.js';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { waitFor } from '../support/wait-for.js';

const TARGETS = 24;
const PERIOD_S = 3;

describe('two exporter processes with --shard.count=2', () => {
  let fleet: FakeFleet;
  let dir: string;
  let configFile: string;
  let names: string[];
  const arrivals: Array<{ index: number; at: number }> = [];
  const exporters: ExporterProcess[] = [];

  beforeAll(async () => {
    fleet = new FakeFleet(createSelfSigned({ commonName: 'fleet.bench.test' }));
    const port = await fleet.listen();
    names = Array.from({ length: TARGETS }, (_, i) => `${targetAddress(i)}:${port}`);
    dir = mkdtempSync(join(tmpdir(), 'ehlo-shard-'));
    configFile = join(dir, 'fleet.yml');
    writeFileSync(configFile, [
      'defaults:',
      `  schedule: "*/${PERIOD_S} * * * * *"`,
      '  timeout: 2s',
      '  helo_name: shard-test.example',
      '  starttls: never',
      'groups:',
      '  - name: fleet',
      '    targets:',
      ...names.map((n) => `      - ${n}`),
      '',
    ].join('\n'));
  });

  afterAll(async () => {
    await Promise.all(exporters.map((e) => e.stop()));
    await fleet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('probe every target, each in exactly one replica, and export only their own share', async () => {
    for (const index of [0, 1]) {
      exporters.push(await startExporter([`--config.file=${configFile}`, '--storage.path=:memory:', '--shard.count=2', `--shard.index=${index}`]));
    }
    const collect = () => {
      const { index, at } = fleet.drain();
      index.forEach((target, i) => arrivals.push({ index: target, at: at[i]! }));
    };
    // Every target reached at least once, then one more period so each has been due twice.
    await waitFor('every target to be probed', () => {
      collect();
      return new Set(arrivals.map((a) => a.index)).size === TARGETS || undefined;
    }, 3 * PERIOD_S * 1000 + 10_000);
    await new Promise((r) => setTimeout(r, PERIOD_S * 1000));
    collect();

    expect(new Set(arrivals.map((a) => a.index))).toEqual(new Set(names.map((_, i) => i)));
    // Both replicas would probe a shared target at the same stable offset of the same round:
    // two sessions to one target closer than half a period mean it was probed twice.
    for (let i = 0; i < TARGETS; i++) {
      const times = arrivals.filter((a) => a.index === i).map((a) => a.at).sort((a, b) => a - b);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!, `${names[i]} probed twice in one round`).toBeGreaterThan((PERIOD_S * 1000) / 2);
    }

    const scrapes = await Promise.all(exporters.map(async (e) => (await fetch(`${e.url}/metrics`)).text()));
    const exported = scrapes.map((text) => new Set([...text.matchAll(/^smtp_probe_success\{[^}]*target="([^"]+)"/gm)].map((m) => m[1]!)));
    const counts = scrapes.map((text) => Number(/^smtp_exporter_targets\{group="fleet"\} (\d+)$/m.exec(text)?.[1]));
    for (const index of [0, 1]) {
      const mine = names.filter((n) => shardOf(n, 2) === index);
      expect(mine.length).toBeGreaterThan(0);
      expect([...exported[index]!].sort()).toEqual(mine.sort());
      expect(counts[index]).toBe(mine.length);
    }
    expect(counts[0]! + counts[1]!).toBe(TARGETS);
  }, 60_000);

  it.each([
    [['--shard.count=0'], 'shard count must be an integer ≥ 1, got 0'],
    [['--shard.count=2', '--shard.index=2'], 'shard index must be an integer from 0 to 1 (count 2), got 2'],
    [['--shard.count=two'], '--shard.count must be a whole number, got "two"'],
  ])('refuses %j with exit code 2 and one line', async (flags, message) => {
    const proc = await startExporter([`--config.file=${configFile}`, '--storage.path=:memory:', ...flags], { ready: false });
    expect(await proc.exited).toBe(2);
    expect(proc.log().trim().split('\n')).toHaveLength(1);
    expect(proc.log()).toContain(message);
  });
});
