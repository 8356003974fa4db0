// What a /probe request gets: a probe result (with the configured target's group and expectations,
// the context its series are evaluated in), or why none was produced. Decided in schedule/ (config,
// allow list, rate limits), answered by http/: one definition both read, next to the state types.
import type { Expectations } from '../config/types.js';
import type { ProbeResult } from '../probe/probe-result.js';

export type OnDemandOutcome =
  | { status: 'ok'; result: ProbeResult; group?: string; expectations?: Expectations }
  | { status: 'forbidden' | 'invalid'; message: string }
  /** `retryAfterSeconds`: when a probe of that target would be allowed (whole seconds), null if never at these limits. */
  | { status: 'rate_limited'; message: string; retryAfterSeconds: number | null };
