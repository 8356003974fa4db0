import { describe, expect, it } from 'vitest';
import { baselineFrom, nextBaseline } from '../../src/state/baseline.js';
import { detectChanges } from '../../src/state/change-detection.js';
import type { Baseline, ChangeEvent } from '../../src/state/types.js';
import { failure, success, type SuccessOptions } from './probe-result-builder.js';

const T = 'mx.example.test:25';
const AT = 1_700_000_100;
const PLAIN = ['PIPELINING', 'SIZE 10000000', 'STARTTLS', '8BITMIME'];
const TLS = ['PIPELINING', 'SIZE 10000000', 'AUTH PLAIN LOGIN', '8BITMIME'];

function base(o: SuccessOptions = {}): Baseline {
  return baselineFrom(success(o));
}

/** The events as [kind, tls, subject, old, new], which is what the table compares. */
function diff(previous: SuccessOptions, current: SuccessOptions): Array<[string, boolean | null, string | null, string | null, string | null]> {
  return detectChanges(T, base(previous), base(current), AT).map((e) => [e.kind, e.tls, e.subject, e.old_value, e.new_value]);
}

const withLine = (lines: readonly string[], from: string, to: string | null): string[] =>
  lines.flatMap((l) => (l === from ? (to === null ? [] : [to]) : [l]));

describe('detectChanges', () => {
  it('reports nothing when nothing changed', () => {
    expect(diff({}, {})).toEqual([]);
  });

  const cases: Array<{ name: string; prev: SuccessOptions; cur: SuccessOptions; want: ReturnType<typeof diff> }> = [
    { name: 'size decreased, plaintext side', prev: {}, cur: { before: withLine(PLAIN, 'SIZE 10000000', 'SIZE 5000000') }, want: [['size_decreased', false, 'SIZE', '10000000', '5000000']] },
    { name: 'size increased, TLS side', prev: {}, cur: { after: withLine(TLS, 'SIZE 10000000', 'SIZE 20000000') }, want: [['size_increased', true, 'SIZE', '10000000', '20000000']] },
    { name: 'no fixed limit → a number is a decrease', prev: { after: withLine(TLS, 'SIZE 10000000', 'SIZE 0') }, cur: {}, want: [['size_decreased', true, 'SIZE', '+Inf', '10000000']] },
    { name: 'a number → no fixed limit is an increase', prev: {}, cur: { before: withLine(PLAIN, 'SIZE 10000000', 'SIZE 0') }, want: [['size_increased', false, 'SIZE', '10000000', '+Inf']] },
    { name: 'bare SIZE (unknown) → a number is not a size change', prev: { after: withLine(TLS, 'SIZE 10000000', 'SIZE') }, cur: {}, want: [] },
    { name: 'a number → bare SIZE is not a size change', prev: {}, cur: { after: withLine(TLS, 'SIZE 10000000', 'SIZE') }, want: [] },
    { name: 'SIZE vanishing is an extension event, not a size event', prev: {}, cur: { before: withLine(PLAIN, 'SIZE 10000000', null) }, want: [['extension_removed', false, 'SIZE', 'SIZE', null]] },
    { name: 'SIZE appearing is an extension event, not a size event', prev: { after: withLine(TLS, 'SIZE 10000000', null) }, cur: {}, want: [['extension_added', true, 'SIZE', null, 'SIZE']] },
    { name: 'extension removed, plaintext side', prev: {}, cur: { before: withLine(PLAIN, '8BITMIME', null) }, want: [['extension_removed', false, '8BITMIME', '8BITMIME', null]] },
    { name: 'extension added, TLS side', prev: {}, cur: { after: [...TLS, 'SMTPUTF8'] }, want: [['extension_added', true, 'SMTPUTF8', null, 'SMTPUTF8']] },
    { name: 'auth mechanism removed, TLS side', prev: {}, cur: { after: withLine(TLS, 'AUTH PLAIN LOGIN', 'AUTH PLAIN') }, want: [['auth_mechanism_removed', true, 'LOGIN', 'LOGIN', null]] },
    { name: 'auth mechanism added, plaintext side', prev: { before: [...PLAIN, 'AUTH PLAIN'] }, cur: { before: [...PLAIN, 'AUTH PLAIN CRAM-MD5'] }, want: [['auth_mechanism_added', false, 'CRAM-MD5', null, 'CRAM-MD5']] },
    { name: 'AUTH appearing in plaintext is one extension event, mechanisms not listed again', prev: {}, cur: { before: [...PLAIN, 'AUTH PLAIN LOGIN'] }, want: [['extension_added', false, 'AUTH', null, 'AUTH']] },
    { name: 'limits changed, both sides, including a limit that vanished', prev: { before: [...PLAIN, 'LIMITS RCPTMAX=100 MAILMAX=10'], after: [...TLS, 'LIMITS RCPTMAX=100'] }, cur: { before: [...PLAIN, 'LIMITS RCPTMAX=50'], after: [...TLS, 'LIMITS RCPTMAX=100 MAILMAX=5'] }, want: [['limits_changed', false, 'MAILMAX', '10', null], ['limits_changed', false, 'RCPTMAX', '100', '50'], ['limits_changed', true, 'MAILMAX', null, '5']] },
    { name: 'tls version changed', prev: { tlsVersion: 'TLSv1.2' }, cur: { tlsVersion: 'TLSv1.3' }, want: [['tls_version_changed', null, null, 'TLSv1.2', 'TLSv1.3']] },
    { name: 'certificate changed', prev: { fingerprint: 'AA:01' }, cur: { fingerprint: 'BB:02' }, want: [['certificate_changed', null, null, 'AA:01', 'BB:02']] },
    { name: 'fingerprint case is not a change', prev: { fingerprint: 'aa:01' }, cur: { fingerprint: 'AA:01' }, want: [] },
    { name: 'starttls gained: the TLS side that appears is not listed as added', prev: { before: withLine(PLAIN, 'STARTTLS', null), after: null }, cur: {}, want: [['starttls_gained', false, 'STARTTLS', 'false', 'true']] },
  ];
  it.each(cases)('$name', ({ prev, cur, want }) => {
    expect(diff(prev, cur)).toEqual(want);
  });

  it('STARTTLS lost is one event: no post-TLS extension, mechanism, TLS version or certificate is reported', () => {
    const events = detectChanges(T, base(), base({ before: withLine(PLAIN, 'STARTTLS', null), after: null }), AT);
    expect(events).toEqual<ChangeEvent[]>([
      { target: T, at: AT, kind: 'starttls_lost', tls: false, subject: 'STARTTLS', old_value: 'true', new_value: 'false' },
    ]);
  });

  it('carries the unobserved TLS side so a change made while STARTTLS was gone is reported when it returns', () => {
    const first = base();
    const lost = base({ before: withLine(PLAIN, 'STARTTLS', null), after: null, startedAt: 1_700_000_060 });
    expect(detectChanges(T, first, lost, AT).map((e) => e.kind)).toEqual(['starttls_lost']);
    const kept = nextBaseline(first, lost);
    expect(kept.after_tls).toEqual(first.after_tls);
    expect(kept.starttls_offered).toBe(false);
    expect(kept.observed_at).toBe(1_700_000_060);

    const back = base({ after: withLine(TLS, 'SIZE 10000000', 'SIZE 1000') });
    expect(detectChanges(T, kept, back, AT).map((e) => [e.kind, e.tls])).toEqual([
      ['starttls_gained', false],
      ['size_decreased', true],
    ]);
  });

  it('implicit TLS (no plaintext EHLO) compares the TLS side and reports no STARTTLS change', () => {
    const prev = base({ before: null, implicitTls: true });
    const cur = base({ before: null, implicitTls: true, after: [...TLS, 'SMTPUTF8'] });
    expect(detectChanges(T, prev, cur, AT).map((e) => [e.kind, e.tls, e.subject])).toEqual([['extension_added', true, 'SMTPUTF8']]);
  });

  it('gives every event the target and time it was called with', () => {
    const events = detectChanges(T, base(), base({ tlsVersion: 'TLSv1.2', fingerprint: 'FF' }), 42);
    expect(events).toHaveLength(2);
    for (const e of events) expect([e.target, e.at]).toEqual([T, 42]);
  });
});

describe('baselineFrom', () => {
  it('refuses a failed probe: a failure is never a capability', () => {
    expect(() => baselineFrom(failure('connect', 'refused'))).toThrow(TypeError);
  });

  it('takes the facts of a successful probe, sharing the immutable EHLO facts instead of copying them', () => {
    const result = success({ tlsVersion: 'TLSv1.2', fingerprint: 'AB:CD' });
    const b = baselineFrom(result);
    expect(b).toMatchObject({ observed_at: result.started_at, starttls_offered: true, tls_version: 'TLSv1.2', cert_fingerprint_sha256: 'AB:CD' });
    expect(b.before_tls).toBe(result.ehlo_before_tls);
    expect(b.after_tls).toBe(result.ehlo_after_tls);
    // Checked by the typecheck `npm test` runs: EhloFacts is readonly all the way down, so neither
    // side can change what the other holds (this line stops compiling if the type loses readonly).
    // @ts-expect-error push does not exist on a readonly array
    void b.after_tls!.extensions.push;
  });
});
