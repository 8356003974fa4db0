// The pure record step as a table: for a previous state and a probe result, the next state's
// baseline, counts and back-off, the change events, and whether the store must be written now.
import { describe, expect, it } from 'vitest';
import { decideRecord, ROUTINE_WRITE_SECONDS, type RecordContext } from '../../src/state/record-step.js';
import { flatFailureCounts } from '../../src/state/failure-counts.js';
import { decodeState, emptyState } from '../../src/state/state-codec.js';
import type { TargetState } from '../../src/state/types.js';
import { failure, success } from './probe-result-builder.js';

const T = 'mx.example.test:25';
const NOW = 1_700_000_600;
const TLS = ['PIPELINING', 'SIZE 10000000', 'AUTH PLAIN LOGIN', '8BITMIME'];
const context = (over: Partial<RecordContext> = {}): RecordContext => ({
  group: 'mx',
  now: NOW,
  retentionSeconds: 30 * 86_400,
  writtenAt: NOW - 60,
  backoff: null,
  ...over,
});

/** A target that has had one successful probe (the default capabilities) and was written a minute ago. */
const known: TargetState = decideRecord(emptyState(T, 'mx'), success(), context({ now: NOW - 60 })).next;
const down: TargetState = decideRecord(known, failure('connect', 'refused'), context()).next;

describe('decideRecord', () => {
  it.each([
    {
      what: 'the first success sets the baseline, without events, written now',
      previous: emptyState(T, 'mx'),
      result: success(),
      ctx: context({ writtenAt: Number.NEGATIVE_INFINITY }),
      events: [],
      writeNow: true,
      check: (next: TargetState) => expect(next.baseline?.after_tls?.extensions).toEqual(['8BITMIME', 'AUTH', 'PIPELINING', 'SIZE']),
    },
    {
      what: 'a routine success with nothing new waits for the routine write',
      previous: known,
      result: success(),
      ctx: context(),
      events: [],
      writeNow: false,
      check: (next: TargetState) => {
        expect(next.change_counts).toEqual({});
        // Nothing to refresh within the hour: the same object, not a copy per probe.
        expect(next.known_extensions).toBe(known.known_extensions);
      },
    },
    {
      what: `a routine success ${ROUTINE_WRITE_SECONDS} s after the last write is written`,
      previous: known,
      result: success(),
      ctx: context({ writtenAt: NOW - ROUTINE_WRITE_SECONDS }),
      events: [],
      writeNow: true,
      check: () => undefined,
    },
    {
      what: 'a smaller SIZE is one event, counted, with its time, written now',
      previous: known,
      result: success({ after: TLS.map((l) => (l.startsWith('SIZE') ? 'SIZE 5000000' : l)) }),
      ctx: context(),
      events: ['size_decreased'],
      writeNow: true,
      check: (next: TargetState) => {
        expect(next.change_counts).toEqual({ size_decreased: 1 });
        expect(next.last_change_at).toBe(NOW);
      },
    },
    {
      what: 'a failure counts by stage and reason and keeps the baseline',
      previous: known,
      result: failure('connect', 'refused'),
      ctx: context(),
      events: [],
      writeNow: true,
      check: (next: TargetState) => {
        expect(next.failure_counts).toEqual({ connect: { refused: 1 } });
        expect(next.baseline).toBe(known.baseline);
      },
    },
    {
      what: 'a 421 carries the scheduler back-off into the state',
      previous: known,
      result: failure('greeting', 'service_unavailable'),
      ctx: context({ backoff: { strikes: 1, until_ms: NOW * 1000 + 60_000 } }),
      events: [],
      writeNow: true,
      check: (next: TargetState) => expect(next.backoff).toEqual({ strikes: 1, until_ms: NOW * 1000 + 60_000 }),
    },
    {
      what: 'a success after a failure clears the back-off and is written now',
      previous: { ...down, backoff: { strikes: 2, until_ms: 1 } },
      result: success(),
      ctx: context(),
      events: [],
      writeNow: true,
      check: (next: TargetState) => expect(next.backoff).toBeNull(),
    },
    {
      what: 'a target moved to another group is written now',
      previous: known,
      result: success(),
      ctx: context({ group: 'relays' }),
      events: [],
      writeNow: true,
      check: (next: TargetState) => expect(next.group).toBe('relays'),
    },
  ])('$what', ({ previous, result, ctx, events, writeNow, check }) => {
    const frozen = structuredClone(previous);
    const decision = decideRecord(previous, result, ctx);
    expect(decision.events.map((e) => e.kind)).toEqual(events);
    expect(decision.writeNow).toBe(writeNow);
    check(decision.next);
    // Pure: the previous state is left as it was.
    expect(previous).toEqual(frozen);
  });
});

describe('counts of a target that has none yet', () => {
  it('are shared by every such target, and counting copies them', () => {
    const a = emptyState('a.example.test:25', 'mx');
    const b = decodeState('b.example.test:25', JSON.stringify({ group: 'mx', change_counts: {}, failure_counts: {} }));
    expect(b.change_counts).toBe(a.change_counts);
    expect(b.failure_counts).toBe(a.failure_counts);
    const failed = decideRecord(a, failure('connect', 'refused'), context()).next;
    const once = decideRecord(a, success(), context()).next;
    const changed = decideRecord(once, success({ after: ['PIPELINING', 'SIZE 20000000', 'AUTH PLAIN LOGIN', '8BITMIME'] }), context()).next;
    expect(flatFailureCounts(failed.failure_counts)).toEqual({ 'connect/refused': 1 });
    expect(changed.change_counts).toMatchObject({ size_increased: 1 });
    expect(emptyState('c.example.test:25', 'mx')).toMatchObject({ change_counts: {}, failure_counts: {} });
    expect(b.change_counts).toEqual({});
  });
});
