// The messages between the probe pool (main thread) and its workers. Options and results cross
// whole, by structured clone, so fields the pool does not know about pass through unchanged; only
// the CA bundle is taken out of the options and sent once per worker (a bundle can be hundreds of
// KB, a probe's options a few hundred bytes).
import type { ProbeOptions } from './probe-options.js';
import type { ProbeResult } from './probe-result.js';
import type { TargetAddress } from './target-address.js';

export type ToWorker =
  | { kind: 'ca'; caId: number; pem: string }
  | { kind: 'forget-ca'; caId: number }
  /** `options.tls.ca` is null on the way; the worker puts bundle `caId` back in. */
  | { kind: 'probe'; id: number; target: TargetAddress; options: ProbeOptions; caId: number | null };

export type FromWorker =
  | { id: number; result: ProbeResult }
  /** A bug, not a target's failure (probeTarget never rejects for those): the caller's promise rejects. */
  | { id: number; error: string };
