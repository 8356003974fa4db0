// Coalesced reloads: one at a time; calls before one begins share it; calls while it runs share one
// follow-up; a failure is shared too and does not block the next call.
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/app/coalesce.js';

/** No gathering: a run begins on the next timer turn. */
const NOW = { quietMs: 0, maxWaitMs: 0 };

/** A run the test finishes by hand, counting how many began. */
function controlled() {
  const finishers: Array<(value: number) => void> = [];
  let began = 0;
  const run = () => {
    began++;
    return new Promise<number>((resolve) => finishers.push(resolve));
  };
  const finish = async (value: number) => {
    await waitUntil(() => finishers.length > 0);
    finishers.shift()!(value);
  };
  return { run, finish, began: () => began };
}

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(ok()).toBe(true);
}

describe('coalesce', () => {
  it('100 calls in one turn run once and share its outcome', async () => {
    const c = controlled();
    const reload = coalesce(c.run, NOW);
    const calls = Array.from({ length: 100 }, () => reload());
    await c.finish(1);
    expect(await Promise.all(calls)).toEqual(Array(100).fill(1));
    expect(c.began()).toBe(1);
  });

  it('calls while a run is under way share one follow-up, begun after it ends', async () => {
    const c = controlled();
    const reload = coalesce(c.run, NOW);
    const first = reload();
    await waitUntil(() => c.began() === 1);
    const during = Array.from({ length: 50 }, () => reload());
    expect(c.began()).toBe(1);
    await c.finish(1);
    expect(await first).toBe(1);
    await c.finish(2);
    expect(await Promise.all(during)).toEqual(Array(50).fill(2));
    expect(c.began()).toBe(2);
  });

  it('waits for calls to go quiet, but no longer than maxWaitMs', async () => {
    const c = controlled();
    const reload = coalesce(c.run, { quietMs: 40, maxWaitMs: 150 });
    const calls = [reload()];
    // A call every 10 ms keeps it gathering; the cap starts it anyway.
    const t0 = performance.now();
    while (c.began() === 0 && performance.now() - t0 < 2_000) {
      calls.push(reload());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(c.began()).toBe(1);
    expect(calls.length).toBeGreaterThan(3);
    await c.finish(1);
    expect(new Set(await Promise.all(calls.slice(0, 4)))).toEqual(new Set([1]));
  });

  it('a failed run is shared by its callers and the next call runs again', async () => {
    let n = 0;
    const reload = coalesce(async () => {
      n++;
      if (n === 1) throw new Error('bad config');
      return n;
    }, NOW);
    const failed = await Promise.allSettled([reload(), reload()]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await reload()).toBe(2);
  });
});
