// Reloads one at a time, and no more of them than there were changes to see: the first call asks
// for a run; every call made before that run begins shares it; calls made while it runs share ONE
// follow-up, begun after it ends (the file may have changed after the running one read it).
//
// A reload is mostly synchronous work, and Node's HTTP server hands over requests that arrived
// together one per turn of the event loop, more slowly on a busy machine. So a run begins only once
// calls have been quiet for `quietMs` (counted from when it could begin), and at the latest
// `maxWaitMs` after that: every request already received is read and joins it. 100 concurrent
// POST /-/reload or SIGHUPs thus cost at most two reloads, not 100 back to back.
import { performance } from 'node:perf_hooks';

export interface CoalesceTiming {
  quietMs: number;
  maxWaitMs: number;
}

/** Wraps `run` so that concurrent calls coalesce as described above. */
export function coalesce<T>(run: () => Promise<T>, timing: CoalesceTiming): () => Promise<T> {
  /** The run under way, or the last one (settled). */
  let running: Promise<unknown> = Promise.resolve();
  /** The next run, not begun yet: every caller until it begins shares it. */
  let queued: { promise: Promise<T>; touch(): void } | null = null;
  return () => {
    if (queued !== null) {
      queued.touch();
      return queued.promise;
    }
    let lastCall = 0;
    const promise = running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => quiet(timing, () => lastCall, (at) => (lastCall = at)))
      .then(() => {
        queued = null;
        const current = run();
        running = current;
        return current;
      });
    queued = { promise, touch: () => (lastCall = performance.now()) };
    return promise;
  };
}

/** Resolves once no call came for quietMs, counted from now, or after maxWaitMs at the latest. */
function quiet(timing: CoalesceTiming, lastCall: () => number, setLastCall: (at: number) => void): Promise<void> {
  const start = performance.now();
  setLastCall(start);
  return new Promise((resolve) => {
    const check = (): void => {
      const wait = Math.min(lastCall() + timing.quietMs, start + timing.maxWaitMs) - performance.now();
      if (wait <= 0) resolve();
      else setTimeout(check, wait);
    };
    check();
  });
}
