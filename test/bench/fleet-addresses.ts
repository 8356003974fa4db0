// Where the fake fleet's targets live: target i is the loopback address 127.77.0.1 + i (the whole of
// 127.0.0.0/8 reaches the loopback interface on Linux), all on the fleet's one port. Distinct
// addresses matter: the exporter keeps one session per host at a time and a gap between sessions
// to the same host, so a fleet on one address would measure politeness, not throughput.

const BASE = (77 << 16) + 1;
/** 127.77.0.1 … 127.78.x.y: far more than the largest fleet the bench builds. */
export const MAX_TARGETS = 200_000;

export function targetAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_TARGETS) throw new RangeError(`target index ${index} out of range`);
  const n = BASE + index;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** The index of a fleet address, or -1 for any other address (also IPv4-mapped IPv6 "::ffff:…"). */
export function targetIndex(address: string): number {
  const text = address.startsWith('::ffff:') ? address.slice(7) : address;
  const parts = text.split('.');
  if (parts.length !== 4 || parts[0] !== '127') return -1;
  const n = (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3]);
  const index = n - BASE;
  return Number.isInteger(index) && index >= 0 && index < MAX_TARGETS ? index : -1;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const text = address.startsWith('::ffff:') ? address.slice(7) : address;
  return text.startsWith('127.') || text === '::1';
}
