// SMTP sessions and TLS handshakes on every core. On one thread the exporter stopped at one core:
// at 10,000 STARTTLS targets every 20 s it missed a quarter of its probes while blackbox_exporter,
// on both cores, kept the pace (issue 13). Here worker threads (probe-worker.ts) run the probes and
// hand each result back; the main thread stays the single owner of state, schedule, politeness
// and metrics, and calls submit() where it would call probeTarget().
//
// The contract: submit() answers every probe with a ProbeResult, as probeTarget() does. Options and
// results cross by structured clone, whole (fields added later pass through); the CA bundle goes
// to each worker once. A worker that dies, or stays silent for a probe's timeout plus a grace, is
// replaced, and its probes end as failures (ERR_PROBE_WORKER_LOST): never a hang, never a crash.
// Only close() makes submit() reject.
import { Worker } from 'node:worker_threads';
import { probeFailure } from '../smtp/failure.js';
import type { ProbeOptions } from './probe-options.js';
import type { ProbeResult } from './probe-result.js';
import { failedProbe } from './probe-target.js';
import type { FromWorker, ProbeRequest, ToWorker } from './probe-worker-messages.js';
import type { TargetAddress } from './target-address.js';

export interface ProbePoolOptions {
  /** Worker threads, at least 1. */
  workers: number;
  /**
   * Probes one worker runs at once; more wait in the pool's queue, which the callers bound (the
   * dispatcher's max_concurrency, the on-demand rate limits). Default 256.
   */
  maxInFlightPerWorker?: number;
  /** How long past a probe's own timeout its worker may stay silent before it is deemed stuck. Default 5 s. */
  stuckGraceMs?: number;
  /** After a worker failed to start, how long before another is tried. Default 1 s. */
  restartDelayMs?: number;
  /** The worker script; tests point at a wrapper of it. */
  workerUrl?: URL;
  /** Told when a worker was lost (its probes already answered as failures). */
  onWorkerLost?: (event: { reason: string; probesLost: number }) => void;
}

export class ProbePoolClosedError extends Error {
  readonly code = 'ERR_PROBE_POOL_CLOSED';
}

/**
 * A worker's garbage is a session's buffers and parsed replies, dead within the probe. V8's default
 * young generation (up to 48 MiB per isolate) let each worker add ~50 MiB of RSS at 10,000 STARTTLS
 * targets; a small one is scavenged more often, cheaply, as little survives. node's own
 * --max-semi-space-size, when given (npm start and the image pass 2), overrides this limit in every
 * worker (measured: young generation 8 MiB at 4, 2 MiB at 1, whatever is asked here).
 */
const YOUNG_GENERATION_MB = 8;

/** Distinct CA bundles the workers hold; beyond it the oldest is dropped (and sent again if used). */
const MAX_BUNDLES = 32;

interface Job {
  readonly id: number;
  readonly target: TargetAddress;
  readonly options: ProbeOptions;
  /** Wall-clock ms and monotonic ms at submit(), for the answer of a lost probe. */
  readonly submittedAt: number;
  readonly submittedMono: number;
  readonly resolve: (result: ProbeResult) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

class Slot {
  readonly jobs = new Map<number, Job>();
  /** Probes handed to this worker in the current task, sent as one message when it ends. */
  outbox: ProbeRequest[] = [];
  /** CA bundle ids this worker holds. */
  readonly bundles = new Set<number>();
  online = false;
  lost = false;
  constructor(readonly worker: Worker) {}
}

export class ProbePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly bundleIds = new Map<string, number>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly maxInFlight: number;
  private readonly url: URL;
  private nextJobId = 1;
  private nextBundleId = 1;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: ProbePoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`a probe pool needs at least one worker, got ${options.workers}`);
    this.maxInFlight = options.maxInFlightPerWorker ?? 256;
    this.url = options.workerUrl ?? new URL('./probe-worker.js', import.meta.url);
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  /** Probes running in workers now. */
  get inFlight(): number {
    return this.slots.reduce((n, s) => n + s.jobs.size, 0);
  }

  submit(target: TargetAddress, options: ProbeOptions): Promise<ProbeResult> {
    if (this.closing !== null) return Promise.reject(new ProbePoolClosedError('the probe pool is closed'));
    // A function cannot cross threads; a worker's probes run on its system clock.
    if (options.clock !== undefined) return Promise.reject(new TypeError('a probe run by the pool cannot take options.clock'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextJobId++, target, options, submittedAt: Date.now(), submittedMono: performance.now(), resolve, reject });
      this.drain();
    });
  }

  /** Ends every worker; probes still queued or running reject with ProbePoolClosedError. */
  close(): Promise<void> {
    this.closing ??= this.terminate();
    return this.closing;
  }

  private async terminate(): Promise<void> {
    for (const timer of this.restarts) clearTimeout(timer);
    const error = new ProbePoolClosedError('the probe pool closed before the probe finished');
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) {
      slot.lost = true;
      for (const job of slot.jobs.values()) {
        clearTimeout(job.timer);
        job.reject(error);
      }
      slot.jobs.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const slot = new Slot(new Worker(this.url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }));
    let error = '';
    slot.worker.on('online', () => (slot.online = true));
    slot.worker.on('message', (message: FromWorker) => this.answer(slot, message));
    // 'error' (an uncaught exception in the worker) is always followed by 'exit'.
    slot.worker.on('error', (e) => (error = e.message));
    slot.worker.on('exit', (code) => this.lose(slot, error === '' ? `exited with code ${code}` : `crashed: ${error}`));
    return slot;
  }

  private answer(slot: Slot, answers: FromWorker): void {
    for (const answer of answers) {
      const job = this.take(slot, answer.id);
      if (job === undefined) continue;
      if ('result' in answer) job.resolve(answer.result);
      else job.reject(new Error(answer.error));
    }
    this.drain();
  }

  /** The worker is gone (or is being ended): answer its probes, put another in its place. */
  private lose(slot: Slot, reason: string): void {
    if (slot.lost) return;
    slot.lost = true;
    const lost = [...slot.jobs.values()];
    slot.jobs.clear();
    const failure = probeFailure('connect', 'ERR_PROBE_WORKER_LOST', `the probe worker ${reason} before the probe finished`);
    for (const job of lost) {
      clearTimeout(job.timer);
      job.resolve(failedProbe(job.target, job.options, job.submittedAt / 1000, failure, (performance.now() - job.submittedMono) / 1000));
    }
    const index = this.slots.indexOf(slot);
    if (slot.online) {
      this.slots[index] = this.spawn();
    } else {
      // It never started, so neither would another right now (a missing script, no memory): try
      // again later, and answer the queue if no worker is left to take it.
      const timer = setTimeout(() => {
        this.restarts.delete(timer);
        this.slots[index] = this.spawn();
        this.drain();
      }, this.options.restartDelayMs ?? 1000);
      this.restarts.add(timer);
      if (this.slots.every((s) => s.lost)) {
        for (const job of this.queue.splice(0)) job.resolve(failedProbe(job.target, job.options, job.submittedAt / 1000, failure, (performance.now() - job.submittedMono) / 1000));
      }
    }
    this.options.onWorkerLost?.({ reason, probesLost: lost.length });
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0 && this.closing === null) {
      let best: Slot | null = null;
      for (const s of this.slots) if (!s.lost && s.jobs.size < this.maxInFlight && (best === null || s.jobs.size < best.jobs.size)) best = s;
      if (best === null) return;
      this.send(best, this.queue.shift()!);
    }
  }

  private send(slot: Slot, job: Job): void {
    const { ca } = job.options.tls;
    // A Buffer would arrive as a bare Uint8Array: bundles travel as PEM text.
    const pem = ca === null ? null : typeof ca === 'string' ? ca : ca.toString('utf8');
    const caId = pem === null ? null : this.bundleId(pem);
    if (pem !== null && caId !== null && !slot.bundles.has(caId)) {
      // Before the batch that needs it: messages arrive in the order they were posted.
      slot.worker.postMessage({ kind: 'ca', caId, pem } satisfies ToWorker);
      slot.bundles.add(caId);
    }
    if (slot.outbox.length === 0) queueMicrotask(() => this.flush(slot));
    slot.outbox.push({ id: job.id, target: job.target, options: { ...job.options, tls: { ...job.options.tls, ca: null } }, caId });
    slot.jobs.set(job.id, job);
    job.timer = setTimeout(() => {
      this.lose(slot, `stopped answering (a probe outlived its ${job.options.timeoutSeconds} s timeout)`);
      void slot.worker.terminate();
    }, job.options.timeoutSeconds * 1000 + (this.options.stuckGraceMs ?? 5000));
  }

  /** One message for the probes the current task handed this worker (the dispatcher's tick starts several). */
  private flush(slot: Slot): void {
    const probes = slot.outbox;
    slot.outbox = [];
    if (slot.lost || probes.length === 0) return;
    try {
      slot.worker.postMessage({ kind: 'probes', probes } satisfies ToWorker);
    } catch {
      // Something in one probe's options cannot be cloned: the caller's mistake, not the target's
      // failure, and not the other probes' either. One at a time finds it.
      for (const probe of probes) this.sendAlone(slot, probe);
    }
  }

  private sendAlone(slot: Slot, probe: ProbeRequest): void {
    try {
      slot.worker.postMessage({ kind: 'probes', probes: [probe] } satisfies ToWorker);
    } catch (error) {
      this.take(slot, probe.id)?.reject(error as Error);
      this.drain();
    }
  }

  /** The worker's job `id`, no longer running there (its stuck timer stopped); undefined when already answered. */
  private take(slot: Slot, id: number): Job | undefined {
    const job = slot.jobs.get(id);
    if (job === undefined) return undefined;
    slot.jobs.delete(id);
    clearTimeout(job.timer);
    return job;
  }

  private bundleId(pem: string): number {
    const known = this.bundleIds.get(pem);
    if (known !== undefined) return known;
    const id = this.nextBundleId++;
    this.bundleIds.set(pem, id);
    if (this.bundleIds.size > MAX_BUNDLES) {
      const [oldest, oldId] = this.bundleIds.entries().next().value!;
      this.bundleIds.delete(oldest);
      for (const s of this.slots) if (s.bundles.delete(oldId) && !s.lost) s.worker.postMessage({ kind: 'forget-ca', caId: oldId } satisfies ToWorker);
    }
    return id;
  }
}
