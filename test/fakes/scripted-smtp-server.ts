// A scriptable SMTP server on 127.0.0.1:0 for tests: sensible defaults for every reply, each
// overridable, plus hooks to misbehave (delays, silence, raw bytes, resets, injection after the
// STARTTLS 220). It records what the client sent, so tests can assert the client's manners:
// nothing before the greeting ends, CRLF always, one command at a time.
import net from 'node:net';
import tls from 'node:tls';

/**
 * Lines to send (each gets the line ending), or a function with full control. A function should
 * return once its reply is complete: client bytes that arrive before that count as a violation.
 */
export type Responder = string[] | ((session: ScriptedSession, command: string) => void | Promise<void>);

export interface ScriptedServerOptions {
  /** The name in the default greeting and EHLO reply. */
  hostname?: string;
  greeting?: Responder;
  /** Keywords (with parameters) of the plaintext EHLO reply; STARTTLS is added when `tls` is set. */
  capabilities?: string[];
  /** Keywords inside TLS; default: `capabilities` (without STARTTLS). */
  capabilitiesAfterTls?: string[];
  /** Replaces the EHLO reply built from the capabilities. */
  ehlo?: Responder;
  helo?: Responder;
  /** Default: 220 and then TLS when `tls` is set, else 454. */
  starttls?: Responder;
  quit?: Responder;
  /** Any other command. */
  unknown?: Responder;
  /** Certificate for STARTTLS and implicit TLS. */
  tls?: { key: string; cert: string };
  /** TLS from the first byte (RFC 8314), then the greeting. */
  implicitTls?: boolean;
  /** Line ending of every reply line; '\n' makes a sloppy server. */
  lineEnding?: '\r\n' | '\n';
  /** Raw bytes written right after the STARTTLS 220, before TLS begins (RFC 3207 §4.2 injection). */
  injectAfterStartTls?: string;
  /** Close after 221 (default true); false makes a server that never closes. */
  closeAfterQuit?: boolean;
}

export const DEFAULT_CAPABILITIES = ['PIPELINING', 'SIZE 10240000', '8BITMIME', 'ENHANCEDSTATUSCODES'];

export interface LogEntry {
  /** ms since the connection was accepted. */
  at: number;
  /** C: bytes from the client, S: bytes the server wrote, *: an event. */
  dir: 'C' | 'S' | '*';
  text: string;
}

export class ScriptedSession {
  readonly index: number;
  /** Every command line the client sent, without its line end. */
  readonly commands: string[] = [];
  /** Everything the server saw and did, in order. */
  readonly log: LogEntry[] = [];
  /** Client manners broken: early talking, pipelining, bare LF. Empty for a well-behaved client. */
  readonly violations: string[] = [];
  secure = false;
  closed = false;
  #socket: net.Socket;
  readonly #server: ScriptedSmtpServer;
  readonly #started = Date.now();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #buffer = '';
  #busy = true;
  #pending: string[] = [];
  #ignoreInput = false;
  readonly #dataWaiters: Array<() => void> = [];

  constructor(index: number, socket: net.Socket, server: ScriptedSmtpServer) {
    this.index = index;
    this.#socket = socket;
    this.#server = server;
  }

  get options(): ScriptedServerOptions {
    return this.#server.options;
  }

  /** Everything the client sent, as text. */
  get received(): string {
    return this.log.filter((e) => e.dir === 'C').map((e) => e.text).join('');
  }

  /** Writes raw bytes as they are. */
  write(data: string | Buffer): void {
    if (this.closed) return;
    this.#note('S', data.toString('latin1'));
    this.#socket.write(data);
  }

  /** Writes whole reply lines, each with the configured line ending. */
  reply(lines: string[]): void {
    const end = this.options.lineEnding ?? '\r\n';
    this.write(lines.map((l) => l + end).join(''));
  }

  /** Resolves after ms, or at once when the connection closes (so scripted loops end). */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), resolve: () => done() };
      const done = (): void => {
        clearTimeout(entry.timer);
        this.#timers.delete(entry);
        resolve();
      };
      this.#timers.add(entry);
    });
  }

  /** Half-close: FIN after what was written. */
  end(): void {
    this.#socket.end();
  }

  /** TCP RST. */
  reset(): void {
    this.#socket.resetAndDestroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** Resolves when the client next sends bytes (or the connection closes): e.g. its TLS ClientHello. */
  nextClientBytes(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#dataWaiters.push(resolve));
  }

  /** Stop answering commands (they are still recorded). */
  ignoreInput(): void {
    this.#ignoreInput = true;
  }

  /** Server side of the TLS handshake on this connection (after STARTTLS, or at once for implicit TLS). */
  startTls(): void {
    const cert = this.options.tls;
    if (cert === undefined) throw new Error('ScriptedSmtpServer: startTls() needs the `tls` option');
    const raw = this.#socket;
    raw.removeAllListeners('data');
    const secure = new tls.TLSSocket(raw, { isServer: true, key: cert.key, cert: cert.cert });
    secure.on('secure', () => this.#note('*', 'TLS established'));
    this.#socket = secure;
    this.#buffer = '';
    this.secure = true;
    this.#listen(secure);
  }

  /** Called by the server once per accepted connection. */
  async run(): Promise<void> {
    this.#listen(this.#socket);
    this.#socket.on('close', () => this.#onClose());
    if (this.options.implicitTls === true) this.startTls();
    await this.#respond(this.options.greeting ?? [`220 ${this.#hostname()} ESMTP scripted`], '');
  }

  #hostname(): string {
    return this.options.hostname ?? 'mx.test';
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#note('*', `socket error: ${err.message}`));
  }

  #onData(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    this.#note('C', text);
    for (const wake of this.#dataWaiters.splice(0)) wake();
    if (this.#busy) this.violations.push(`client sent ${JSON.stringify(text.slice(0, 40))} while the server was still replying`);
    this.#buffer += text;
    let lf: number;
    while ((lf = this.#buffer.indexOf('\n')) !== -1) {
      let line = this.#buffer.slice(0, lf);
      this.#buffer = this.#buffer.slice(lf + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      else this.violations.push(`bare LF after ${JSON.stringify(line.slice(0, 40))}`);
      this.commands.push(line);
      this.#pending.push(line);
    }
    if (this.#buffer.length > 64 * 1024) this.destroy();
    this.#drain();
  }

  /** Answers the next queued command, one at a time: #respond calls back here when done. */
  #drain(): void {
    if (this.#busy || this.closed || this.#ignoreInput) return;
    const line = this.#pending.shift();
    if (line === undefined) return;
    const verb = (line.split(' ')[0] ?? '').toUpperCase();
    void this.#respond(this.#responderFor(verb), line, verb);
  }

  #responderFor(verb: string): Responder {
    const o = this.options;
    switch (verb) {
      case 'EHLO':
        return o.ehlo ?? ehloLines(this.#hostname(), this.#capabilities());
      case 'HELO':
        return o.helo ?? [`250 ${this.#hostname()}`];
      case 'STARTTLS':
        if (o.starttls !== undefined) return o.starttls;
        return o.tls !== undefined && !this.secure ? ['220 2.0.0 Ready to start TLS'] : ['454 4.7.0 TLS not available'];
      case 'QUIT':
        return o.quit ?? ['221 2.0.0 Bye'];
      default:
        return o.unknown ?? ['502 5.5.2 Error: command not recognized'];
    }
  }

  #capabilities(): string[] {
    const o = this.options;
    const plain = o.capabilities ?? DEFAULT_CAPABILITIES;
    if (this.secure) return o.capabilitiesAfterTls ?? plain.filter((c) => c.toUpperCase() !== 'STARTTLS');
    const hasStartTls = plain.some((c) => c.toUpperCase() === 'STARTTLS');
    return o.tls !== undefined && !hasStartTls ? [...plain, 'STARTTLS'] : plain;
  }

  async #respond(responder: Responder, command: string, verb = ''): Promise<void> {
    this.#busy = true;
    try {
      if (typeof responder === 'function') {
        await responder(this, command);
      } else {
        this.reply(responder);
        this.#afterLines(verb, responder);
      }
    } catch (err) {
      this.#note('*', `responder failed: ${String(err)}`);
      this.destroy();
    }
    this.#busy = false;
    this.#drain();
  }

  /** What a plain reply list implies: TLS after a 220 to STARTTLS, a close after QUIT. */
  #afterLines(verb: string, lines: string[]): void {
    const o = this.options;
    if (verb === 'STARTTLS' && lines[lines.length - 1]?.startsWith('220') === true && o.tls !== undefined) {
      if (o.injectAfterStartTls !== undefined) this.write(o.injectAfterStartTls);
      this.startTls();
    } else if (verb === 'QUIT' && o.closeAfterQuit !== false) {
      this.end();
    }
  }

  #note(dir: LogEntry['dir'], text: string): void {
    this.log.push({ at: Date.now() - this.#started, dir, text });
  }

  #onClose(): void {
    this.closed = true;
    for (const entry of [...this.#timers]) entry.resolve();
    for (const wake of this.#dataWaiters.splice(0)) wake();
  }
}

/** `250-host` then one line per keyword, the last with a space: a well-formed EHLO reply. */
export function ehloLines(hostname: string, keywords: string[]): string[] {
  const lines = [hostname, ...keywords];
  return lines.map((text, i) => `250${i === lines.length - 1 ? ' ' : '-'}${text}`);
}

export class ScriptedSmtpServer {
  /** Mutable between connections (e.g. to change capabilities); read at each reply. */
  options: ScriptedServerOptions;
  readonly sessions: ScriptedSession[] = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #port = 0;
  #host = '127.0.0.1';

  private constructor(options: ScriptedServerOptions) {
    this.options = options;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** Starts listening on 127.0.0.1 and an ephemeral port, or where `at` says (one MX host's addresses share a port). */
  static async start(options: ScriptedServerOptions = {}, at: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<ScriptedSmtpServer> {
    const server = new ScriptedSmtpServer(options);
    server.#host = at.host;
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(at.port, at.host, () => resolve());
    });
    const address = server.#server.address() as net.AddressInfo;
    server.#port = address.port;
    return server;
  }

  get host(): string {
    return this.#host;
  }

  get port(): number {
    return this.#port;
  }

  /** How many connections were accepted so far. */
  get connectionCount(): number {
    return this.sessions.length;
  }

  /** The most recent connection. */
  get lastSession(): ScriptedSession | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  /** Changes part of the script for the next replies and connections. */
  set(options: Partial<ScriptedServerOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** Destroys every connection and stops listening; safe to call twice. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    const session = new ScriptedSession(this.sessions.length, socket, this);
    this.sessions.push(session);
    void session.run();
  }
}
