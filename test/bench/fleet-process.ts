// The fake fleet in a process of its own (started by the bench with fork()), so its TLS work does
// not share an event loop with the bench's scrapes and timers. It stops when the bench goes away,
// when told to, and in any case after its time limit.
import { readFileSync } from 'node:fs';
import { FakeFleet } from './fake-fleet.js';

export type FleetRequest = { type: 'drain' } | { type: 'stats' } | { type: 'stop' };
export type FleetReply =
  | { type: 'listening'; port: number }
  | { type: 'arrivals'; index: number[]; at: number[] }
  | { type: 'stats'; stats: FakeFleet['stats'] };

const [keyFile, certFile, maxSecondsText] = process.argv.slice(2);
if (keyFile === undefined || certFile === undefined || process.send === undefined) {
  process.stderr.write('usage: fork fleet-process.js KEY CERT [MAX_SECONDS] with an IPC channel\n');
  process.exit(2);
}
const send = (message: FleetReply): void => void process.send!(message);
const fleet = new FakeFleet({ key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') });

const stop = (code: number): void => {
  void fleet.close().finally(() => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
};
const limit = setTimeout(() => {
  process.stderr.write('fake fleet: time limit reached, stopping\n');
  stop(3);
}, Number(maxSecondsText ?? 3600) * 1000);
limit.unref();

process.on('disconnect', () => stop(0));
process.on('message', (message: FleetRequest) => {
  if (message.type === 'drain') send({ type: 'arrivals', ...fleet.drain() });
  else if (message.type === 'stats') send({ type: 'stats', stats: fleet.stats });
  else if (message.type === 'stop') stop(0);
});
send({ type: 'listening', port: await fleet.listen() });
