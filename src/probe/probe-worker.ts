// One probe worker thread (see probe-pool.ts): runs the probes the main thread hands it, with the
// same probeTarget() the main thread would call, and hands the results back. It keeps nothing but
// the CA bundles it was sent (and, through getSecureContext, their TLS contexts).
import { parentPort } from 'node:worker_threads';
import { probeTarget } from './probe-target.js';
import type { FromWorker, ProbeAnswer, ProbeRequest, ToWorker } from './probe-worker-messages.js';

/**
 * How long an answer waits for others to travel with it. Each message wakes the main thread; the
 * dispatcher starts the probes of one tick together, so their answers come close together too.
 * Sessions with real servers end spread out: this bounds the main thread's wake-ups for answers
 * to 40 a second.
 */
const GATHER_MS = 25;

if (parentPort === null) throw new Error('probe-worker.js runs as a worker thread of the probe pool, not on its own');
const port = parentPort;
const bundles = new Map<number, string>();
let answers: FromWorker = [];
let flush: NodeJS.Timeout | null = null;

function reply(answer: ProbeAnswer): void {
  answers.push(answer);
  flush ??= setTimeout(() => {
    flush = null;
    const batch = answers;
    answers = [];
    port.postMessage(batch);
  }, GATHER_MS);
}

function run({ id, target, options, caId }: ProbeRequest): void {
  const ca = caId === null ? null : bundles.get(caId);
  if (ca === undefined) return reply({ id, error: `probe worker: CA bundle ${caId} was never sent` });
  probeTarget(target, { ...options, tls: { ...options.tls, ca } }).then(
    (result) => reply({ id, result }),
    (error: unknown) => reply({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
}

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'ca':
      bundles.set(message.caId, message.pem);
      return;
    case 'forget-ca':
      bundles.delete(message.caId);
      return;
    case 'probes':
      for (const probe of message.probes) run(probe);
  }
});
