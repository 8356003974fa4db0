// Failure counts keyed by the typed (stage, reason) pair: counting leaves the input alone, the /api
// form stays flat, and documents stored in the old flat form (or damaged) decode safely; so do
// results stored by older versions (no detail code, capability fields kept twice).
import { describe, expect, it } from 'vitest';
import { countFailure, decodeFailureCounts, failureEntries, flatFailureCounts } from '../../src/state/failure-counts.js';
import { decodeState, encodeState, emptyState } from '../../src/state/state-codec.js';
import { failure, success } from './probe-result-builder.js';

describe('failure counts', () => {
  it('counts a key without changing the counts it was given', () => {
    const before = countFailure({}, { stage: 'connect', reason: 'refused' });
    const after = countFailure(before, { stage: 'connect', reason: 'refused' });
    expect(before).toEqual({ connect: { refused: 1 } });
    expect(countFailure(after, { stage: 'greeting', reason: 'timeout' })).toEqual({ connect: { refused: 2 }, greeting: { timeout: 1 } });
  });

  it('lists typed keys and keeps the flat /api form', () => {
    const counts = { connect: { refused: 2, timeout: 1 }, ehlo_tls: { tls_error: 3 } };
    expect([...failureEntries(counts)]).toEqual([
      [{ stage: 'connect', reason: 'refused' }, 2],
      [{ stage: 'connect', reason: 'timeout' }, 1],
      [{ stage: 'ehlo_tls', reason: 'tls_error' }, 3],
    ]);
    expect(flatFailureCounts(counts)).toEqual({ 'connect/refused': 2, 'connect/timeout': 1, 'ehlo_tls/tls_error': 3 });
  });

  it.each([
    ['nested, as written now', { connect: { refused: 2 } }, { connect: { refused: 2 } }],
    ['flat, as an older version wrote', { 'connect/refused': 2, 'greeting/service_unavailable': 1 }, { connect: { refused: 2 }, greeting: { service_unavailable: 1 } }],
    ['a key without a slash, a negative or fractional count', { connect: -1, 'x/y': 1.5, 'a/b': 'no' }, {}],
    ['not an object', [1, 2], {}],
  ])('decodes a stored document: %s', (_what, raw, expected) => {
    expect(decodeFailureCounts(raw)).toEqual(expected);
  });

  it('reads a result stored by an older version without the capability fields it kept twice', () => {
    const state = { ...emptyState('a:25', 'mx'), last_result: success() };
    const caps = { size: { advertised: true, limit_bytes: 1, no_fixed_limit: false }, extensions: ['SIZE'], extensions_before_tls: [], auth_mechanisms: [], limits: {} };
    const doc = JSON.stringify({ ...state, last_result: { ...state.last_result, ...caps } });
    const decoded = decodeState('a:25', doc).last_result!;
    for (const key of Object.keys(caps)) expect(decoded, key).not.toHaveProperty(key);
    expect(decoded.ehlo_after_tls).toEqual(state.last_result.ehlo_after_tls);
  });

  it('round-trips through the state codec, and an old failed result gets detail null', () => {
    const state = { ...emptyState('a:25', 'mx'), failure_counts: { connect: { refused: 2 } } };
    expect(decodeState('a:25', encodeState(state)).failure_counts).toEqual({ connect: { refused: 2 } });
    const old = failure('connect', 'refused');
    const { detail: _detail, ...oldError } = old.error!;
    const doc = JSON.stringify({ ...state, last_result: { ...old, error: oldError }, failure_counts: { 'connect/refused': 2 } });
    const decoded = decodeState('a:25', doc);
    expect(decoded.failure_counts).toEqual({ connect: { refused: 2 } });
    expect(decoded.last_result?.error).toMatchObject({ stage: 'connect', reason: 'refused', detail: null });
  });
});
