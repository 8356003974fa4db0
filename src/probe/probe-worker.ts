// One probe worker thread (see probe-pool.ts): runs the probes the main thread hands it, with the
// same probeTarget() the main thread would call, and hands each result back. It keeps nothing but
// the CA bundles it was sent (and, through getSecureContext, their TLS contexts).
import { parentPort } from 'node:worker_threads';
import { probeTarget } from './probe-target.js';
import type { FromWorker, ToWorker } from './probe-worker-messages.js';

if (parentPort === null) throw new Error('probe-worker.js runs as a worker thread of the probe pool, not on its own');
const port = parentPort;
const bundles = new Map<number, string>();
const reply = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'ca':
      bundles.set(message.caId, message.pem);
      return;
    case 'forget-ca':
      bundles.delete(message.caId);
      return;
    case 'probe': {
      const { id, target, options, caId } = message;
      const ca = caId === null ? null : bundles.get(caId);
      if (ca === undefined) return reply({ id, error: `probe worker: CA bundle ${caId} was never sent` });
      probeTarget(target, { ...options, tls: { ...options.tls, ca } }).then(
        (result) => reply({ id, result }),
        (error: unknown) => reply({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
    }
  }
});
