import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStateStore, StoreError } from '../../src/state/sqlite-store.js';
import { MAX_STORED_TRANSCRIPT_ENTRIES, MAX_STORED_TRANSCRIPT_LINE } from '../../src/state/state-codec.js';
import { ROUTINE_WRITE_SECONDS, TargetStates } from '../../src/state/target-states.js';
import { failure, success } from './probe-result-builder.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();
const T = 'mx.example.test:25';
const DAY = 86_400;
const PLAIN = ['PIPELINING', 'SIZE 10000000', 'STARTTLS', '8BITMIME'];
const TLS = ['PIPELINING', 'SIZE 10000000', 'AUTH PLAIN LOGIN', '8BITMIME'];

/** A TargetStates on a real file with a clock the test moves. */
function open(path: string, retentionDays = 30) {
  const clock = { now: 1_700_000_000 };
  const store = SqliteStateStore.open(path);
  const states = new TargetStates(store, { now: () => clock.now, retentionDays });
  states.load();
  return { clock, store, states };
}

describe('TargetStates', () => {
  it('the first successful probe sets the baseline and produces no events; a change then produces them once', () => {
    const { clock, store, states } = open(join(tempDir(), 's.db'));
    expect(states.record(T, 'mx', success())).toEqual({ events: [], storeError: null });
    expect(states.get(T)?.baseline?.after_tls?.extensions).toEqual(['8BITMIME', 'AUTH', 'PIPELINING', 'SIZE']);
    clock.now += 60;
    expect(states.record(T, 'mx', success()).events).toEqual([]);

    clock.now += 60;
    const smaller = success({ after: TLS.map((l) => (l === 'SIZE 10000000' ? 'SIZE 5000000' : l)) });
    const { events } = states.record(T, 'mx', smaller);
    expect(events.map((e) => [e.kind, e.tls, e.at])).toEqual([['size_decreased', true, clock.now]]);
    clock.now += 60;
    expect(states.record(T, 'mx', smaller).events).toEqual([]);

    const state = states.get(T)!;
    expect(state.change_counts).toEqual({ size_decreased: 1 });
    expect(state.last_change_at).toBe(clock.now - 60);
    expect(states.changes(T, 10).map((e) => e.kind)).toEqual(['size_decreased']);
    store.close();
  });

  it('lists the states loaded at a restart by the rank it is given (the round\'s order), not by name', () => {
    const path = join(tempDir(), 's.db');
    const first = open(path);
    for (const t of ['a.test:25', 'b.test:25', 'c.test:25', 'd.test:25']) first.states.record(t, 'mx', success());
    first.states.flush();
    first.store.close();
    const store = SqliteStateStore.open(path);
    const states = new TargetStates(store, { now: () => 1_700_000_000, retentionDays: 30 });
    const slot: Record<string, number> = { 'a.test:25': 0.7, 'b.test:25': 0.1, 'c.test:25': 0.9, 'd.test:25': 0.4 };
    states.load((t) => slot[t]!);
    expect(states.snapshot().map((s) => s.target)).toEqual(['b.test:25', 'd.test:25', 'a.test:25', 'c.test:25']);
    states.record('e.test:25', 'mx', success());
    expect(states.snapshot().at(-1)?.target).toBe('e.test:25');
    store.close();
  });

  it('a restart on the same file produces no events and keeps what was learnt, including removed extensions', () => {
    const path = join(tempDir(), 's.db');
    const first = open(path);
    first.states.record(T, 'mx', success({ after: [...TLS, 'SMTPUTF8'] }));
    first.clock.now += 60;
    const removed = first.states.record(T, 'mx', success());
    expect(removed.events.map((e) => [e.kind, e.subject])).toEqual([['extension_removed', 'SMTPUTF8']]);
    const before = first.states.get(T);
    first.store.close();

    const second = open(path);
    second.clock.now = first.clock.now + 3600;
    expect(second.states.get(T)).toEqual(before);
    expect(second.states.record(T, 'mx', success()).events).toEqual([]);
    const after = second.states.get(T)!;
    expect(Object.keys(after.known_extensions.tls)).toContain('SMTPUTF8');
    expect(after.change_counts).toEqual({ extension_removed: 1 });
    expect(second.states.changes(T, 10)).toHaveLength(1);

    // Forgotten once it has not been seen for longer than the retention, and stays forgotten.
    second.clock.now = first.clock.now + 30 * DAY + 1;
    second.states.record(T, 'mx', success());
    expect(Object.keys(second.states.get(T)!.known_extensions.tls)).not.toContain('SMTPUTF8');
    expect(Object.keys(second.states.get(T)!.known_extensions.tls)).toContain('AUTH');
    second.store.close();
    const third = open(path);
    expect(Object.keys(third.states.get(T)!.known_extensions.tls)).not.toContain('SMTPUTF8');
    third.store.close();
  });

  it('counts failures by stage/reason, keeps the baseline, and a failure is never a change', () => {
    const { clock, store, states } = open(join(tempDir(), 's.db'));
    states.record(T, 'mx', success());
    const baseline = states.get(T)!.baseline;
    for (const [stage, reason] of [['connect', 'refused'], ['connect', 'refused'], ['greeting', 'service_unavailable']] as const) {
      clock.now += 60;
      expect(states.record(T, 'mx', failure(stage, reason)).events).toEqual([]);
    }
    const state = states.get(T)!;
    expect(state.failure_counts).toEqual({ connect: { refused: 2 }, greeting: { service_unavailable: 1 } });
    expect(state.baseline).toEqual(baseline);
    expect(state.last_result?.success).toBe(false);
    clock.now += 60;
    expect(states.record(T, 'mx', success()).events).toEqual([]);
    expect(states.get(T)!.failure_counts).toEqual({ connect: { refused: 2 }, greeting: { service_unavailable: 1 } });
    store.close();
  });

  it('stores no transcript for a success and a bounded one for a failure', () => {
    const path = join(tempDir(), 's.db');
    const { store, states } = open(path);
    states.record('ok:25', 'mx', success({ target: 'ok:25' }));
    states.record('bad:25', 'mx', failure('ehlo', 'protocol_error', { target: 'bad:25', transcriptLines: 500 }));
    store.close();
    const reopened = open(path);
    expect(reopened.states.get('ok:25')!.last_result!.transcript).toEqual([]);
    const kept = reopened.states.get('bad:25')!.last_result!.transcript;
    expect(kept).toHaveLength(MAX_STORED_TRANSCRIPT_ENTRIES);
    expect(kept.at(-1)!.line.startsWith('line 499 ')).toBe(true);
    expect(Math.max(...kept.map((e) => e.line.length))).toBe(MAX_STORED_TRANSCRIPT_LINE);
    reopened.store.close();
  });

  it('STARTTLS lost is one event, and the post-TLS side is compared again when it returns', () => {
    const { clock, store, states } = open(join(tempDir(), 's.db'));
    states.record(T, 'mx', success());
    clock.now += 60;
    const lost = states.record(T, 'mx', success({ before: PLAIN.filter((l) => l !== 'STARTTLS'), after: null }));
    expect(lost.events.map((e) => e.kind)).toEqual(['starttls_lost']);
    clock.now += 60;
    const back = states.record(T, 'mx', success({ after: TLS.filter((l) => !l.startsWith('AUTH')) }));
    expect(back.events.map((e) => [e.kind, e.subject])).toEqual([['starttls_gained', 'STARTTLS'], ['extension_removed', 'AUTH']]);
    store.close();
  });

  it('retain() drops targets from memory only; a target configured again keeps its baseline', () => {
    const { clock, store, states } = open(join(tempDir(), 's.db'));
    states.record('a:25', 'mx', success({ target: 'a:25' }));
    states.record('b:25', 'mx', success({ target: 'b:25' }));
    const snap = states.snapshot();
    expect(snap.map((s) => s.target)).toEqual(['a:25', 'b:25']);
    expect(states.snapshot()).toBe(snap); // no copy per call while nothing changed

    states.retain(new Set(['a:25']));
    expect(states.snapshot().map((s) => s.target)).toEqual(['a:25']);
    expect(states.get('b:25')).toBeUndefined();
    expect(snap.map((s) => s.target)).toEqual(['a:25', 'b:25']); // a reader's old snapshot is untouched

    clock.now += 60;
    expect(states.record('b:25', 'submission', success({ target: 'b:25' })).events).toEqual([]);
    clock.now += 60;
    const changed = states.record('b:25', 'submission', success({ target: 'b:25', tlsVersion: 'TLSv1.2' }));
    expect(changed.events.map((e) => e.kind)).toEqual(['tls_version_changed']);
    expect(states.get('b:25')!.group).toBe('submission');
    store.close();
  });

  it('a store write failure is returned, not thrown, and memory still follows the probe', () => {
    const { store, states } = open(join(tempDir(), 's.db'));
    states.record(T, 'mx', success());
    store.close();
    const outcome = states.record(T, 'mx', failure('connect', 'timeout'));
    expect(outcome.storeError).toBeInstanceOf(StoreError);
    expect((outcome.storeError as StoreError).code).toBe('ERR_STORE_UNWRITABLE');
    expect(states.get(T)!.failure_counts).toEqual({ connect: { timeout: 1 } });
  });

  it('prunes events past retention from record(), at most hourly', () => {
    const { clock, store, states } = open(join(tempDir(), 's.db'), 1);
    states.record(T, 'mx', success());
    clock.now += 60;
    states.record(T, 'mx', success({ tlsVersion: 'TLSv1.2' }));
    expect(states.changes(T, 10)).toHaveLength(1);
    clock.now += DAY + 60;
    states.record(T, 'mx', success({ tlsVersion: 'TLSv1.2' }));
    expect(states.changes(T, 10)).toHaveLength(0);
    store.close();
  });

  describe('what reaches the store and when', () => {
    /** What a restart after a crash would find: the file reopened without flush(). */
    function storedAfterCrash(path: string, store: SqliteStateStore) {
      store.close();
      const reopened = open(path);
      const state = reopened.states.get(T);
      reopened.store.close();
      return state;
    }

    it('writes a routine success at most every ROUTINE_WRITE_SECONDS, and everything on flush()', () => {
      const path = join(tempDir(), 's.db');
      const { clock, store, states } = open(path);
      states.record(T, 'mx', success());
      const firstAt = states.get(T)!.last_result!.started_at;
      clock.now += 60;
      states.record(T, 'mx', success({ startedAt: clock.now }));
      expect(storedAfterCrash(path, store)!.last_result!.started_at).toBe(firstAt);

      const again = open(path);
      again.clock.now = clock.now + 60;
      again.states.record(T, 'mx', success({ startedAt: again.clock.now }));
      expect(again.states.flush()).toBeNull();
      expect(storedAfterCrash(path, again.store)!.last_result!.started_at).toBe(again.clock.now);

      const later = open(path);
      later.clock.now = again.clock.now + ROUTINE_WRITE_SECONDS;
      later.states.record(T, 'mx', success({ startedAt: later.clock.now }));
      expect(storedAfterCrash(path, later.store)!.last_result!.started_at).toBe(later.clock.now);
    });

    it('writes at once what a restart must not lose: changes, failures, recoveries and new extensions', () => {
      const path = join(tempDir(), 's.db');
      let h = open(path);
      h.states.record(T, 'mx', success());
      const cases: Array<[string, () => ReturnType<typeof success>]> = [
        ['a change event', () => success({ startedAt: h.clock.now, tlsVersion: 'TLSv1.2' })],
        ['a failure', () => failure('connect', 'refused', { startedAt: h.clock.now })],
        ['a second failure (its count)', () => failure('connect', 'refused', { startedAt: h.clock.now })],
        ['a recovery', () => success({ startedAt: h.clock.now, tlsVersion: 'TLSv1.2' })],
        ['an extension first seen', () => success({ startedAt: h.clock.now, tlsVersion: 'TLSv1.2', after: [...TLS, 'SMTPUTF8'] })],
      ];
      let now = h.clock.now;
      for (const [what, make] of cases) {
        h.clock.now = now += 60;
        h.states.record(T, 'mx', make());
        const expected = h.states.get(T);
        h.store.close();
        h = open(path);
        h.clock.now = now;
        expect(h.states.get(T), what).toEqual(expected);
      }
      expect(h.states.get(T)!.failure_counts).toEqual({ connect: { refused: 2 } });
      expect(h.states.changes(T, 10).map((e) => e.kind).sort()).toEqual(['extension_added', 'tls_version_changed']);
      h.store.close();
    });

    it('writes the pending results of targets a reload removed before forgetting them', () => {
      const path = join(tempDir(), 's.db');
      const { clock, store, states } = open(path);
      states.record(T, 'mx', success());
      clock.now += 60;
      states.record(T, 'mx', success({ startedAt: clock.now }));
      expect(states.retain(new Set())).toBeNull();
      expect(storedAfterCrash(path, store)!.last_result!.started_at).toBe(clock.now);
    });
  });
});
