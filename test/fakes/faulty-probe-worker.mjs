// The real probe worker (dist/probe/probe-worker.js) with ways to fail that no real probe has, so
// the pool's handling of a lost worker is tested against a real thread dying mid-session. The
// probe's HELO name chooses: the thread exits, throws, or spins forever 100 ms into the probe.
import { parentPort } from 'node:worker_threads';
// Static, so the real worker listens before any message is delivered (a dynamic import would not).
import '../../dist/probe/probe-worker.js';

const FAULTS = {
  'exit.worker.test': () => process.exit(7),
  'throw.worker.test': () => {
    throw new Error('injected crash');
  },
  'spin.worker.test': () => {
    for (;;);
  },
};

parentPort.on('message', (message) => {
  if (message.kind !== 'probes') return;
  for (const probe of message.probes) {
    const fault = FAULTS[probe.options.heloName];
    if (fault !== undefined) setTimeout(fault, 100);
  }
});
