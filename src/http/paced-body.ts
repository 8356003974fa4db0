// A response body made on the event loop, sent in slices. A /metrics body is made as the socket
// takes it, and a loopback socket takes a whole compressed exposition at once: made in one go, a
// scrape of 10,000 targets held the loop for 170–600 ms (test/metrics/scrape-bench.ts), and the
// probes due meanwhile started late. After each slice of SLICE_MS the loop is handed back.
import { setImmediate as nextTurn } from 'node:timers/promises';

const SLICE_MS = 5;

export async function* paced<T>(chunks: Iterable<T>, sliceMs = SLICE_MS): AsyncGenerator<T> {
  let sliceStart = performance.now();
  for (const chunk of chunks) {
    yield chunk;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
