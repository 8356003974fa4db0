// Which replica probes which target when N exporters split one fleet: rendezvous (highest random
// weight) hashing. Every replica computes, for each target, a weight per shard index and keeps the
// targets whose highest weight is its own index. No coordination, and changing N from N to N+1
// moves only the targets whose new shard wins (about 1/(N+1) of them), all to the new shard.
import type { ExporterConfig } from '../config/types.js';

export interface ShardSpec {
  /** This replica, 0-based. */
  index: number;
  /** How many replicas split the fleet; 1 means no sharding. */
  count: number;
}

/** One replica that owns the whole fleet. */
export const SINGLE_SHARD: ShardSpec = Object.freeze({ index: 0, count: 1 });

const encoder = new TextEncoder();

/**
 * MurmurHash3 (x86, 32-bit) of `bytes` with `seed`: well mixed (full avalanche in the finaliser),
 * so weights for neighbouring indexes or similar names are independent, unlike FNV on short keys.
 */
export function murmur3x86_32(bytes: Uint8Array, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = bytes.length & 3;
  if (tail > 0) {
    // The last 1–3 bytes, little-endian, mixed like a block but without the h rotation.
    let k = bytes[blocks]!;
    if (tail > 1) k |= bytes[blocks + 1]! << 8;
    if (tail > 2) k |= bytes[blocks + 2]! << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= bytes.length;
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The weight of `name` on shard `index`: the hash of the name's UTF-8 bytes seeded with the index. */
export function shardWeight(name: string, index: number): number {
  return murmur3x86_32(encoder.encode(name), fmix32(index + 1));
}

/** The shard (0 … count-1) that owns `name`: the highest weight; on a tie, the lowest index. */
export function shardOf(name: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be an integer ≥ 1, got ${count}`);
  if (count === 1) return 0;
  const bytes = encoder.encode(name);
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < count; i++) {
    const w = murmur3x86_32(bytes, fmix32(i + 1));
    if (w > bestWeight) {
      best = i;
      bestWeight = w;
    }
  }
  return best;
}

/** Why a shard spec is unusable, as a one-line message; null when it is fine. */
export function shardSpecProblem(spec: ShardSpec): string | null {
  if (!Number.isInteger(spec.count) || spec.count < 1) return `shard count must be an integer ≥ 1, got ${spec.count}`;
  if (!Number.isInteger(spec.index) || spec.index < 0 || spec.index >= spec.count) {
    return `shard index must be an integer from 0 to ${spec.count - 1} (count ${spec.count}), got ${spec.index}`;
  }
  return null;
}

/**
 * The part of the config this replica schedules and exports: groups keep their settings and only
 * this shard's targets and domains. A domain is sharded whole, by its name, so that every address
 * it leads to (and its domain series) is watched by one replica. The whole config is returned
 * unchanged when there is one shard.
 */
export function shardConfig(config: ExporterConfig, spec: ShardSpec): ExporterConfig {
  if (spec.count === 1) return config;
  const mine = (t: { name: string }) => shardOf(t.name, spec.count) === spec.index;
  const mineDomain = (d: { domain: string }) => shardOf(d.domain, spec.count) === spec.index;
  return Object.freeze({
    ...config,
    groups: config.groups.map((g) => Object.freeze({ ...g, targets: g.targets.filter(mine), domains: g.domains.filter(mineDomain) })),
    targets: config.targets.filter(mine),
    domains: config.domains.filter(mineDomain),
  });
}
