// A fleet of fast fake SMTP servers for the benchmark: one listener answers for every target
// address (127.77.x.y, see fleet-addresses.ts), so 50,000 targets cost one socket, not 50,000.
// It speaks just enough RFC 5321 + RFC 3207 for a probe: greeting, EHLO (STARTTLS advertised in
// plaintext, AUTH inside TLS), STARTTLS, EHLO again, QUIT; and it notes when each target's
// session arrived, which is how the bench measures lateness and spread from outside the exporter.
import net from 'node:net';
import tls from 'node:tls';
import { isLoopback, targetIndex } from './fleet-addresses.js';

const NAME = 'fleet.bench.test';
const GREETING = Buffer.from(`220 ${NAME} ESMTP fake fleet\r\n`);
const EHLO_PLAIN = Buffer.from(
  [`250-${NAME}`, '250-PIPELINING', '250-SIZE 52428800', '250-STARTTLS', '250-ENHANCEDSTATUSCODES', '250-8BITMIME', '250 SMTPUTF8']
    .map((l) => `${l}\r\n`).join(''),
);
const EHLO_TLS = Buffer.from(
  [`250-${NAME}`, '250-PIPELINING', '250-SIZE 52428800', '250-AUTH PLAIN LOGIN', '250-ENHANCEDSTATUSCODES', '250-8BITMIME', '250 SMTPUTF8']
    .map((l) => `${l}\r\n`).join(''),
);
const HELO = Buffer.from(`250 ${NAME}\r\n`);
const READY = Buffer.from('220 2.0.0 Ready to start TLS\r\n');
const BYE = Buffer.from('221 2.0.0 Bye\r\n');
const NOT_IMPLEMENTED = Buffer.from('502 5.5.2 Command not implemented\r\n');
const TOO_LONG = Buffer.from('500 5.5.6 Line too long\r\n');

/** A session that sits idle this long is closed: the fleet must never hold sockets forever. */
const IDLE_MS = 10_000;
const MAX_LINE = 1024;

export interface FleetStats {
  accepted: number;
  refusedNonLoopback: number;
  quits: number;
  tlsSessions: number;
  errors: number;
}

export class FakeFleet {
  readonly stats: FleetStats = { accepted: 0, refusedNonLoopback: 0, quits: 0, tlsSessions: 0, errors: 0 };
  /** Arrival of each session since the last drain: target index and wall-clock ms. */
  #arrivalIndex: number[] = [];
  #arrivalAt: number[] = [];
  readonly #server: net.Server;
  readonly #context: tls.SecureContext;
  readonly #sockets = new Set<net.Socket>();

  constructor(tlsOptions: { key: string; cert: string }) {
    this.#context = tls.createSecureContext({ key: tlsOptions.key, cert: tlsOptions.cert });
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.maxConnections = 4096;
  }

  /**
   * Listens on every IPv4 address, because Linux delivers 127.77.x.y to a listener only when it is
   * bound to that exact address or to the wildcard, and 50,000 listeners exceed the fd limit.
   * Connections to any non-loopback address are closed before a byte is sent.
   */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: '0.0.0.0', port: 0, backlog: 4096 }, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  drain(): { index: number[]; at: number[] } {
    const out = { index: this.#arrivalIndex, at: this.#arrivalAt };
    this.#arrivalIndex = [];
    this.#arrivalAt = [];
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    if (!isLoopback(socket.localAddress) || !isLoopback(socket.remoteAddress)) {
      this.stats.refusedNonLoopback++;
      socket.destroy();
      return;
    }
    this.stats.accepted++;
    this.#arrivalIndex.push(targetIndex(socket.localAddress ?? ''));
    this.#arrivalAt.push(Date.now());
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => this.stats.errors++);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    this.#converse(socket, socket, false);
    socket.write(GREETING);
  }

  /** Reads command lines from `stream` (the TCP socket, later the TLS socket over it) and answers. */
  #converse(tcp: net.Socket, stream: net.Socket, secure: boolean): void {
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('latin1');
      let lf: number;
      while ((lf = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, lf).replace(/\r$/, '');
        pending = pending.slice(lf + 1);
        if (this.#answer(tcp, stream, secure, line, onData)) return;
      }
      if (pending.length > MAX_LINE) {
        stream.write(TOO_LONG);
        stream.end();
      }
    };
    stream.on('data', onData);
  }

  /** True when the stream changed hands (STARTTLS) or ended: stop reading lines from it. */
  #answer(tcp: net.Socket, stream: net.Socket, secure: boolean, line: string, onData: (c: Buffer) => void): boolean {
    const verb = line.slice(0, 8).toUpperCase();
    if (verb.startsWith('EHLO ')) stream.write(secure ? EHLO_TLS : EHLO_PLAIN);
    else if (verb.startsWith('HELO ')) stream.write(HELO);
    else if (verb.startsWith('QUIT')) {
      this.stats.quits++;
      stream.end(BYE);
      return true;
    } else if (verb.startsWith('STARTTLS') && !secure) {
      stream.off('data', onData);
      stream.write(READY);
      const secureSocket = new tls.TLSSocket(tcp, { isServer: true, secureContext: this.#context });
      secureSocket.on('error', () => {
        this.stats.errors++;
        tcp.destroy();
      });
      secureSocket.once('secure', () => this.stats.tlsSessions++);
      this.#converse(tcp, secureSocket, true);
      return true;
    } else stream.write(NOT_IMPLEMENTED);
    return false;
  }
}
