// Where in its period a target is probed: a fixed fraction derived from its name, so a fleet is
// spread evenly over the period (no burst at second :00) and each target keeps its slot across
// rounds and restarts.

/** FNV-1a 32-bit: fast, dependency-free and well spread for short keys. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A number in [0, 1) fixed for the key. */
export function stableFraction(key: string): number {
  return fnv1a32(key) / 0x1_0000_0000;
}
