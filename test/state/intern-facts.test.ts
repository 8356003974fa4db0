// Facts pooled across targets (intern-facts.ts): targets that say the same thing hold one copy of
// it, what differs stays apart, nothing recorded or loaded changes value, and a fact no target holds
// any more leaves the pool.
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FactPool } from '../../src/state/intern-facts.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { TargetStates } from '../../src/state/target-states.js';
import { facts, success } from './probe-result-builder.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();

function open(path: string) {
  const store = SqliteStateStore.open(path);
  const states = new TargetStates(store, { now: () => 1_700_000_000, retentionDays: 30 });
  states.load();
  return { store, states };
}

describe('FactPool', () => {
  it('two targets with equal facts share them; a different domain shares everything but its shell', () => {
    const { store, states } = open(join(tempDir(), 's.db'));
    const a = success({ target: 'a:25' });
    const b = success({ target: 'b:25' });
    expect(b.ehlo_after_tls).not.toBe(a.ehlo_after_tls);
    states.record('a:25', 'mx', a);
    states.record('b:25', 'mx', b);
    const [ra, rb] = [states.get('a:25')!.last_result!, states.get('b:25')!.last_result!];
    expect(ra).toEqual({ ...a, transcript: [] });
    expect(rb.ehlo_before_tls).toBe(ra.ehlo_before_tls);
    expect(rb.ehlo_after_tls).toBe(ra.ehlo_after_tls);
    expect(rb.tls).toBe(ra.tls);
    expect(rb.banner).toBe(ra.banner);
    expect(rb.reply_codes).toBe(ra.reply_codes);
    expect(states.get('b:25')!.baseline!.after_tls).toBe(ra.ehlo_after_tls);

    const pool = new FactPool();
    const x = pool.ehlo(facts(['PIPELINING', 'SIZE 1000']))!;
    const y = pool.ehlo({ ...facts(['PIPELINING', 'SIZE 1000']), domain: 'other.example.test' })!;
    expect(y).not.toBe(x);
    expect(y.domain).toBe('other.example.test');
    expect(y.extensions).toBe(x.extensions);
    expect(y.size).toBe(x.size);
    expect(pool.ehlo(facts(['PIPELINING', 'SIZE 1001']))!.size).not.toBe(x.size);
    store.close();
  });

  it('keeps certificates apart by fingerprint and TLS sessions apart by every field', () => {
    const pool = new FactPool();
    const one = success({ fingerprint: 'AA' }).tls!;
    const same = pool.tls(success({ fingerprint: 'AA' }).tls);
    expect(pool.tls(one)).toBe(same);
    expect(pool.tls(success({ fingerprint: 'BB' }).tls)!.cert).not.toBe(same!.cert);
    const older = pool.tls(success({ fingerprint: 'AA', tlsVersion: 'TLSv1.2' }).tls)!;
    expect(older).not.toBe(same);
    expect(older.version).toBe('TLSv1.2');
    expect(older.cert).toBe(same!.cert);
    // The same certificate checked against different TLSA records: two verdicts, never one shared.
    const dane = (failure: 'no_match' | null) => ({ ...success({ fingerprint: 'AA' }).tls!, dane: { usable_records: 1, matched: null, failure, leaf_spki_sha256: 'ab', leaf_cert_sha256: 'cd' } });
    const mismatch = pool.tls(dane('no_match'))!;
    expect(mismatch).not.toBe(same);
    expect(mismatch.dane!.failure).toBe('no_match');
    expect(pool.tls(dane(null))!.dane!.failure).toBeNull();
  });

  it('pools states as they are loaded from the store', () => {
    const path = join(tempDir(), 's.db');
    const first = open(path);
    first.states.record('a:25', 'mx', success({ target: 'a:25' }));
    first.states.record('b:25', 'mx', success({ target: 'b:25' }));
    first.states.flush();
    first.store.close();
    const again = open(path);
    expect(again.states.get('b:25')!.last_result!.ehlo_after_tls).toBe(again.states.get('a:25')!.last_result!.ehlo_after_tls);
    expect(again.states.get('b:25')!.baseline!.before_tls).toBe(again.states.get('a:25')!.baseline!.before_tls);
    again.store.close();
  });

  it('lets go of a fact no target holds any more', async () => {
    // A full collection on demand: V8's gc() exposed for this test, in a fresh context.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = new FactPool();
    const held = pool.ehlo(facts(['PIPELINING', 'SIZE 1000']));
    let gone: object | null = pool.ehlo(facts(['CHUNKING']));
    const ref = new WeakRef(gone!);
    gone = null;
    // A WeakRef's target is kept until the current job ends: collect after a turn of the event loop.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(ref.deref()).toBeUndefined();
    // A new equal fact is pooled again, not resurrected; the one still held is still shared.
    expect(pool.ehlo(facts(['CHUNKING']))!.extensions).toEqual(['CHUNKING']);
    expect(pool.ehlo(facts(['PIPELINING', 'SIZE 1000']))).toBe(held);
  });
});
