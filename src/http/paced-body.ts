// A response body made on the event loop, sent in slices. A /metrics body is made as the socket
// takes it, and a loopback socket takes a whole compressed exposition at once: made in one go, a
// scrape of 10,000 targets held the loop for 170–600 ms (test/metrics/scrape-bench.ts), and the
// probes due meanwhile started late. After each slice of SLICE_MS the loop is handed back.
//
// Pieces are put together into buffers of at least GATHER_BYTES first: a gzip body is thousands
// of compressed pieces of a few KB (a section's sync flush, a block of targets), and each piece
// written on its own cost the HTTP stream more than copying it (scrape-bench.ts, 50,000 targets:
// ~4,000 pieces, ~40 ms more CPU per scrape than the same bytes in 64 KB buffers).
import { setImmediate as nextTurn } from 'node:timers/promises';

const SLICE_MS = 5;
const GATHER_BYTES = 64 * 1024;

export async function* paced(pieces: Iterable<Buffer>, sliceMs = SLICE_MS, gatherBytes = GATHER_BYTES): AsyncGenerator<Buffer> {
  let sliceStart = performance.now();
  for (const chunk of gathered(pieces, gatherBytes)) {
    yield chunk;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/** `pieces` in order, put together into buffers of at least `bytes` (the last may be shorter). */
export function* gathered(pieces: Iterable<Buffer>, bytes: number): Generator<Buffer> {
  let held: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    held.push(piece);
    size += piece.length;
    if (size >= bytes) {
      yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
      held = [];
      size = 0;
    }
  }
  if (held.length > 0) yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
}
