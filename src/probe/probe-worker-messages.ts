// The messages between the probe pool (main thread) and its workers. Options and results cross
// whole, by structured clone, so fields the pool does not know about pass through unchanged; only
// the CA bundle is taken out of the options and sent once per worker (a bundle can be hundreds of
// KB, a probe's options a few hundred bytes). Probes and answers travel in batches: each message
// wakes the thread it goes to, and on a paced fleet the wake-ups cost more than the sessions.
import type { ProbeOptions } from './probe-options.js';
import type { ProbeResult } from './probe-result.js';
import type { TargetAddress } from './target-address.js';

/** `options.tls.ca` is null on the way; the worker puts bundle `caId` back in. */
export interface ProbeRequest {
  id: number;
  target: TargetAddress;
  options: ProbeOptions;
  caId: number | null;
}

export type ToWorker =
  | { kind: 'ca'; caId: number; pem: string }
  | { kind: 'forget-ca'; caId: number }
  | { kind: 'probes'; probes: ProbeRequest[] };

export type ProbeAnswer =
  | { id: number; result: ProbeResult }
  /** A bug, not a target's failure (probeTarget never rejects for those): the caller's promise rejects. */
  | { id: number; error: string };

export type FromWorker = ProbeAnswer[];
