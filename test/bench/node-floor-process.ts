// The Node floor: the same dialogue as ehlo-exporter and blackbox_exporter (greeting, EHLO,
// [STARTTLS, handshake, EHLO,] QUIT) with nothing else — no scheduling, parsing, state or metrics —
// one shared TLS context. What Node itself costs per probe on this machine, so ehlo-exporter's
// figure can be read as a multiple of it. Either flat out, 64 sessions at a time (RATE 0), or paced:
// one session started every 1/RATE s, as a schedule spreads them. Run as a child of the bench:
//   node node-floor-process.js PORT ehlo|starttls COUNT TARGETS CA_FILE RATE
// and prints one JSON line: { probes, failed, cpuMs, systemMs, seconds, rssMaxBytes }.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { FLEET_TLS_NAME } from './bench-certificates.js';
import { drive, type Pace } from './drive.js';
import { targetAddress } from './fleet-addresses.js';

const CONCURRENCY = 64;
const [portText, mode, countText, targetsText, caFile, rateText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const targets = Number(targetsText);
const rate = Number(rateText ?? 0);
const context = tls.createSecureContext({ ca: readFileSync(caFile!) });

/** Resolves with the socket's data up to and including a final reply line starting `code `. */
function reply(socket: net.Socket, code: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.startsWith(`${code} `) || text.includes(`\n${code} `)) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    // A session the fleet closes without an error would otherwise wait forever (and the floor's run with it).
    socket.once('close', () => reject(new Error(`closed before ${code}`)));
  });
}

/** As the exporter's probe timeout in the bench: a session stuck on an overloaded machine (seen at
 * 10,000 STARTTLS targets with load1 ~8) counts as failed instead of holding the whole run. */
const SESSION_DEADLINE_MS = 10_000;

async function session(i: number): Promise<boolean> {
  const plain = net.connect({ host: targetAddress(i % targets), port, noDelay: true });
  let socket: net.Socket = plain;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('session deadline')), SESSION_DEADLINE_MS)));
  try {
    await Promise.race([dialogue(), deadline]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    socket.destroy();
    plain.destroy();
  }

  async function dialogue(): Promise<void> {
    await reply(socket, '220');
    socket.write('EHLO floor.bench.test\r\n');
    await reply(socket, '250');
    if (mode === 'starttls') {
      socket.write('STARTTLS\r\n');
      await reply(socket, '220');
      const secure = tls.connect({ socket: plain, secureContext: context, servername: FLEET_TLS_NAME });
      await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
      socket = secure;
      socket.write('EHLO floor.bench.test\r\n');
      await reply(socket, '250');
    }
    socket.write('QUIT\r\n');
    await reply(socket, '221');
  }
}

const pace: Pace = rate > 0 ? { rate } : { concurrency: CONCURRENCY };

await drive(Math.min(500, count), 0, { concurrency: CONCURRENCY }, session);
let rssMaxBytes = process.memoryUsage.rss();
const sampler = setInterval(() => (rssMaxBytes = Math.max(rssMaxBytes, process.memoryUsage.rss())), 500);
const cpuStart = process.cpuUsage();
const started = performance.now();
const failed = await drive(count, 500, pace, session);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ probes: count, failed, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, seconds, rssMaxBytes })}\n`);
