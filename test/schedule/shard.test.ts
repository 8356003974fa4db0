import { describe, expect, it } from 'vitest';
import type { ExporterConfig, GroupConfig, TargetConfig } from '../../src/config/types.js';
import { murmur3x86_32, shardConfig, shardOf, shardSpecProblem, shardWeight } from '../../src/schedule/shard.js';

// A fleet shaped like real ones: MX names, relay addresses with ports, a few non-ASCII names.
const FLEET: string[] = Array.from({ length: 5000 }, (_, i) => {
  if (i % 5 === 0) return `10.${(i >> 8) & 255}.${i & 255}.7:25`;
  if (i % 97 === 0) return `mx${i}.bücher-${i % 13}.example:587`;
  return `mx${i % 3}.customer-${i}.example.net:25`;
});

const enc = new TextEncoder();

describe('murmur3x86_32', () => {
  // Published reference vectors of MurmurHash3_x86_32 (SMHasher; the usual test-vector table).
  const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['ffffffff', 0, 0x76293b50],
    ['21436587', 0, 0xf55b516b],
    ['21436587', 0x5082edee, 0x2362f9de],
    ['214365', 0, 0x7e4a8634],
    ['2143', 0, 0xa0f7b07a],
    ['21', 0, 0x72661cf4],
    ['00000000', 0, 0x2362f9de],
    ['000000', 0, 0x85f0b427],
    ['0000', 0, 0x30f4c306],
    ['00', 0, 0x514e28b7],
  ])('bytes %s, seed %d → %d', (bytes, seed, expected) => {
    expect(murmur3x86_32(hex(bytes), seed)).toBe(expected);
  });
  it.each([
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['a', 0x9747b28c, 0x7fa09ea6],
  ])('text %j, seed %d → %d', (text, seed, expected) => {
    expect(murmur3x86_32(enc.encode(text), seed)).toBe(expected);
  });
});

describe('shardOf', () => {
  it('puts every target in exactly one shard, for N = 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      const counts = new Array<number>(n).fill(0);
      for (const name of FLEET) {
        const owners = [];
        for (let i = 0; i < n; i++) if (shardOf(name, n) === i) owners.push(i);
        expect(owners).toHaveLength(1);
        counts[owners[0]!]!++;
      }
      expect(counts.reduce((a, b) => a + b, 0)).toBe(FLEET.length);
      // Balanced: each shard within ±15% of the fair share (binomial sd is ~2–4% here).
      for (const c of counts) expect(Math.abs(c - FLEET.length / n)).toBeLessThan(0.15 * (FLEET.length / n));
    }
  });

  it('is the shard of highest weight (rendezvous), lowest index on a tie', () => {
    for (const name of FLEET.slice(0, 500)) {
      const weights = Array.from({ length: 6 }, (_, i) => shardWeight(name, i));
      const best = weights.indexOf(Math.max(...weights));
      expect(shardOf(name, 6)).toBe(best);
    }
  });

  it('moving from N to N+1 shards moves about 1/(N+1) of the targets, all of them to the new shard', () => {
    for (let n = 1; n <= 7; n++) {
      let moved = 0;
      for (const name of FLEET) {
        const before = shardOf(name, n);
        const after = shardOf(name, n + 1);
        if (before !== after) {
          moved++;
          expect(after).toBe(n);
        }
      }
      const expected = FLEET.length / (n + 1);
      expect(Math.abs(moved - expected)).toBeLessThan(0.15 * expected);
    }
  });

  it('removing the last shard moves only its targets (N+1 to N is the same map in reverse)', () => {
    for (const name of FLEET.slice(0, 1000)) {
      const with4 = shardOf(name, 4);
      if (with4 !== 3) expect(shardOf(name, 3)).toBe(with4);
    }
  });

  it('is deterministic: fixed values that must never change (replicas of different versions must agree)', () => {
    const names = ['mx1.example.com:25', 'relay.example.net:587', '192.0.2.10:25', '[2001:db8::1]:25'];
    const pinned = names.map((n) => [shardOf(n, 2), shardOf(n, 3), shardOf(n, 8)]);
    // Pinned assignment: a change of hash or seeding fails here, not in a fleet of mixed versions.
    expect(pinned).toEqual([
      [1, 2, 2],
      [0, 0, 0],
      [0, 0, 3],
      [1, 1, 1],
    ]);
    expect(shardWeight('mx1.example.com:25', 0)).toBe(murmur3x86_32(enc.encode('mx1.example.com:25'), shardWeightSeed(0)));
  });

  it('rejects a count that is not an integer ≥ 1', () => {
    expect(() => shardOf('a', 0)).toThrow(RangeError);
    expect(() => shardOf('a', 1.5)).toThrow(RangeError);
  });
});

/** The seed shardWeight uses for an index: the murmur3 finaliser of index + 1. */
function shardWeightSeed(index: number): number {
  let h = index + 1;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('shardSpecProblem', () => {
  it.each([
    [{ index: 0, count: 1 }, null],
    [{ index: 2, count: 3 }, null],
    [{ index: 0, count: 0 }, 'shard count must be an integer ≥ 1, got 0'],
    [{ index: 3, count: 3 }, 'shard index must be an integer from 0 to 2 (count 3), got 3'],
    [{ index: -1, count: 3 }, 'shard index must be an integer from 0 to 2 (count 3), got -1'],
    [{ index: 0.5, count: 3 }, 'shard index must be an integer from 0 to 2 (count 3), got 0.5'],
  ])('%j → %s', (spec, problem) => {
    expect(shardSpecProblem(spec)).toBe(problem);
  });
});

describe('shardConfig', () => {
  const target = (name: string, group: string): TargetConfig => ({ name, host: name, port: 25, group, schedule: '* * * * *', probe: {} as TargetConfig['probe'], expectations: {} });
  const groups: GroupConfig[] = ['a', 'b'].map((g) => ({ name: g, schedule: '* * * * *', targets: FLEET.slice(0, 300).map((n) => target(`${g}-${n}`, g)), domains: [] })) as unknown as GroupConfig[];
  const config = { file: 'x.yml', groups, targets: groups.flatMap((g) => g.targets), domains: [] } as unknown as ExporterConfig;

  it('keeps every group and, across shards, every target exactly once', () => {
    const parts = [0, 1, 2].map((index) => shardConfig(config, { index, count: 3 }));
    for (const part of parts) {
      expect(part.groups.map((g) => g.name)).toEqual(['a', 'b']);
      expect(part.targets).toEqual(part.groups.flatMap((g) => g.targets));
    }
    const all = parts.flatMap((p) => p.targets.map((t) => t.name)).sort();
    expect(all).toEqual(config.targets.map((t) => t.name).sort());
  });

  it('returns the config itself for one shard', () => {
    expect(shardConfig(config, { index: 0, count: 1 })).toBe(config);
  });
});
