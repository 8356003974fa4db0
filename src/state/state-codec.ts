// TargetState ⇄ the JSON document stored per target, and the trimming that keeps rows small.
import type { Capabilities, ProbeResult } from '../probe/probe-result.js';
import { decodeFailureCounts } from './failure-counts.js';
import type { BackoffState, TargetState } from './types.js';

/** Transcript lines kept for a failed probe: the end of the session, where it went wrong. */
export const MAX_STORED_TRANSCRIPT_ENTRIES = 50;
/** Characters kept of each kept transcript line. */
export const MAX_STORED_TRANSCRIPT_LINE = 512;

/**
 * The result as remembered: a success keeps no transcript (its facts are in the result already,
 * and 200 targets × every probe would mostly store greetings); a failure keeps the tail of its
 * transcript, bounded, for /api and the failure log.
 */
export function trimResult(result: ProbeResult): ProbeResult {
  if (result.success) return { ...result, transcript: [] };
  const tail = result.transcript.slice(-MAX_STORED_TRANSCRIPT_ENTRIES);
  return {
    ...result,
    transcript: tail.map((e) =>
      e.line.length > MAX_STORED_TRANSCRIPT_LINE ? { ...e, line: e.line.slice(0, MAX_STORED_TRANSCRIPT_LINE) } : e,
    ),
  };
}

/**
 * No change or failure counted yet, as most targets are: one frozen object for all of them instead
 * of two empty ones per target (every writer copies before counting: record-step.ts, failure-counts.ts).
 */
const NONE_COUNTED: Readonly<Record<string, never>> = Object.freeze({});

function countsOrNone<T extends object>(counts: T): T {
  return Object.keys(counts).length === 0 ? (NONE_COUNTED as T) : counts;
}

export function emptyState(target: string, group: string): TargetState {
  return {
    target,
    group,
    last_result: null,
    baseline: null,
    known_extensions: { plain: {}, tls: {} },
    change_counts: NONE_COUNTED,
    last_change_at: null,
    failure_counts: NONE_COUNTED,
    backoff: null,
  };
}

export function encodeState(state: TargetState): string {
  return JSON.stringify(state);
}

/**
 * Parses a stored document, filling fields an older version did not write with their empty value
 * so that adding a field to TargetState needs no SQL migration. Throws on a document that is not
 * a JSON object; the store reports that as corruption.
 */
export function decodeState(target: string, json: string): TargetState {
  const raw: unknown = JSON.parse(json);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(`the stored state of ${target} is not a JSON object`);
  }
  const doc = raw as Partial<TargetState>;
  const empty = emptyState(target, typeof doc.group === 'string' ? doc.group : '');
  return {
    ...empty,
    ...doc,
    target,
    known_extensions: {
      plain: { ...doc.known_extensions?.plain },
      tls: { ...doc.known_extensions?.tls },
    },
    last_result: decodeResult(doc.last_result),
    change_counts: countsOrNone({ ...doc.change_counts }),
    failure_counts: countsOrNone(decodeFailureCounts(doc.failure_counts)),
    backoff: decodeBackoff(doc.backoff),
  };
}

/** A back-off as stored, or null for none, an older document or a damaged one (the target is then probed as usual). */
function decodeBackoff(raw: unknown): BackoffState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { strikes, until_ms } = raw as Partial<BackoffState>;
  if (!Number.isSafeInteger(strikes) || strikes! < 1 || typeof until_ms !== 'number' || !Number.isFinite(until_ms)) return null;
  return { strikes: strikes!, until_ms };
}

/**
 * A stored result as this version holds it: the effective capability fields an older version stored
 * beside the EHLO replies are dropped (each fact is held once; capabilitiesOf() derives them), and a
 * failure stored before failures carried a detail code reads as one whose detail was not recorded.
 */
function decodeResult(stored: ProbeResult | null | undefined): ProbeResult | null {
  if (stored === undefined || stored === null) return null;
  const { size: _s, extensions: _e, extensions_before_tls: _b, auth_mechanisms: _a, limits: _l, ...result } = stored as ProbeResult & Partial<Capabilities>;
  if (result.error === null || result.error.detail !== undefined) return result;
  return { ...result, error: { ...result.error, detail: null } };
}
