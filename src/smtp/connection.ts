// One SMTP connection's transport: bytes in, complete replies out (RFC 5321 §4.2), one command at a
// time, and the STARTTLS upgrade over the same socket (RFC 3207 §4.2). Knows nothing of stages'
// meaning: the caller names the stage so failures say where they happened.
import net from 'node:net';
import tls from 'node:tls';
import { SmtpProtocolError } from './errors.js';
import { ReplyInbox } from './connection-inbox.js';
import type { ReplyLimits } from './reply-assembler.js';
import { reasonOf, type LinkFailure, type Stage } from './failure.js';
import { SessionError, classifySocketError, describeReply } from './session-error.js';
import { seconds } from './connection-open.js';
import { connectTls } from './tls-facts.js';
import type { Transcript } from './transcript.js';
import type { Reply } from './types.js';

interface Waiter {
  stage: Stage;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  resolve: (reply: Reply) => void;
  reject: (err: SessionError) => void;
}

export interface TlsUpgradeOptions {
  serverName: string;
  secureContext: tls.SecureContext;
  /** After a TLS 1.3 handshake, how long to wait for the server's first session ticket (see below). */
  ticketWaitMs: number;
}

export class SmtpConnection {
  /** The socket we read from and write to: the TCP socket, or the TLS socket over it. */
  #socket: net.Socket;
  readonly #tcp: net.Socket;
  readonly #inbox: ReplyInbox;
  readonly #transcript: Transcript;
  #waiter: Waiter | null = null;
  #failure: LinkFailure | null = null;
  #closed = false;

  constructor(socket: net.Socket, limits: ReplyLimits, transcript: Transcript) {
    this.#socket = socket;
    this.#tcp = socket;
    this.#transcript = transcript;
    this.#inbox = new ReplyInbox(limits, (reply) => this.#recordReply(reply));
    this.#attach(socket);
    if (socket.destroyed) this.#fail({ detail: 'ERR_CONNECTION_CLOSED', text: 'connection closed before the session began' });
  }

  get remoteAddress(): string | null {
    return this.#tcp.remoteAddress ?? null;
  }

  /** False once the transport failed, timed out or closed: nothing more can be said on it. */
  get usable(): boolean {
    return this.#failure === null;
  }

  /**
   * The next complete reply, or a SessionError at `stage` (timeout, reset, closed, protocol_error).
   * With `hold`, bytes after that reply are kept unparsed (see ReplyInbox.holdAfterNextReply).
   */
  readReply(stage: Stage, timeoutMs: number, hold = false): Promise<Reply> {
    if (hold) this.#inbox.holdAfterNextReply();
    const queued = this.#inbox.take();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#failure !== null) return Promise.reject(this.#errorAt(stage, this.#failure));
    if (this.#waiter !== null) throw new Error('SmtpConnection: one reply at a time');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#onTimeout(), Math.max(0, timeoutMs));
      this.#waiter = { stage, timeoutMs, timer, resolve, reject };
    });
  }

  /**
   * Sends one command line with CRLF. Refuses when the server has already said something we did
   * not ask for: answering it would pair our next command with the wrong reply.
   */
  send(stage: Stage, line: string): void {
    if (this.#failure !== null) throw this.#errorAt(stage, this.#failure);
    const unsolicited = this.#inbox.peek();
    const pending = this.#inbox.pendingBytes;
    if (unsolicited !== undefined || pending > 0) {
      const what = unsolicited !== undefined ? describeReply(unsolicited) : `${pending} bytes`;
      const failure: LinkFailure = { detail: 'ERR_DATA_BEFORE_COMMAND', text: `server sent data before our command (${what})` };
      this.#fail(failure);
      throw this.#errorAt(stage, failure);
    }
    this.#transcript.client(line);
    this.#socket.write(`${line}\r\n`);
  }

  /**
   * RFC 3207 §4.2: nothing received before the TLS handshake may be trusted after it. Drops every
   * buffered reply and byte; returns how many bytes were dropped (non-zero means injection or a broken server).
   */
  discardBuffered(): number {
    const bytes = this.#inbox.discard();
    if (bytes > 0) this.#transcript.event(`discarded ${bytes} bytes received after the STARTTLS reply, before TLS (RFC 3207 §4.2)`);
    return bytes;
  }

  /** Parses the bytes held after the last reply as usual (the session stays in plaintext). */
  release(): void {
    if (this.#failure === null) this.#receive(() => this.#inbox.release());
  }

  /** Runs the TLS handshake over the current TCP socket; verification is judged by the caller. */
  startTls(stage: Stage, options: TlsUpgradeOptions, timeoutMs: number): Promise<tls.TLSSocket> {
    if (this.#failure !== null) return Promise.reject(this.#errorAt(stage, this.#failure));
    const tcp = this.#socket;
    this.#detach(tcp);
    tcp.on('error', ignore);
    return new Promise((resolve, reject) => {
      const secure = connectTls({
        socket: tcp,
        // RFC 6066 §3: SNI carries host names only, never address literals.
        servername: net.isIP(options.serverName) === 0 ? options.serverName : undefined,
        secureContext: options.secureContext,
        rejectUnauthorized: false,
      });
      // Listening from the start: Node asks OpenSSL for tickets only once someone listens.
      const ticket = firstTicket(secure, (event) => this.#transcript.event(event));
      const done = (failure: LinkFailure | null): void => {
        clearTimeout(timer);
        secure.off('secureConnect', onSecure);
        secure.off('error', onError);
        secure.off('close', onClose);
        if (failure === null) {
          this.#socket = secure;
          this.#attach(secure);
          if (secure.getProtocol() === 'TLSv1.3') void ticket.wait(options.ticketWaitMs).then(() => resolve(secure));
          else resolve(secure);
          return;
        }
        secure.on('error', ignore);
        this.#socket = secure;
        this.#fail(failure);
        reject(this.#errorAt(stage, failure));
      };
      const onSecure = (): void => done(null);
      const onError = (err: Error): void => done({ detail: 'ERR_TLS_HANDSHAKE', text: `TLS handshake failed: ${classifySocketError(err).text}` });
      const onClose = (): void => done({ detail: 'ERR_TLS_CLOSED_IN_HANDSHAKE', text: 'connection closed during the TLS handshake' });
      const timer = setTimeout(
        () => done({ detail: 'ERR_TLS_HANDSHAKE_TIMEOUT', text: `TLS handshake not finished within ${seconds(timeoutMs)} s` }),
        Math.max(0, timeoutMs),
      );
      secure.once('secureConnect', onSecure);
      secure.on('error', onError);
      secure.once('close', onClose);
    });
  }

  /** Ends our side, gives the server up to `graceMs` to close, then destroys whatever is left. */
  async close(graceMs: number): Promise<void> {
    if (!this.#closed && graceMs > 0 && !this.#socket.destroyed) {
      const socket = this.#socket;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
    }
    this.destroy();
  }

  destroy(): void {
    if (this.#failure === null) this.#failure = { detail: 'ERR_CONNECTION_CLOSED', text: 'connection closed by us' };
    this.#rejectWaiter();
    this.#socket.destroy();
    this.#tcp.destroy();
  }

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
  }

  #detach(socket: net.Socket): void {
    socket.off('data', this.#onData);
    socket.off('error', this.#onError);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#failure === null) this.#receive(() => this.#inbox.push(chunk));
  };

  /** Feeds the inbox, then hands the next reply to whoever waits for one. */
  #receive(feed: () => void): void {
    try {
      feed();
    } catch (err) {
      if (!(err instanceof SmtpProtocolError)) throw err;
      this.#fail({ detail: err.code, text: err.message });
      return;
    }
    const waiter = this.#waiter;
    const next = waiter !== null ? this.#inbox.take() : undefined;
    if (waiter !== null && next !== undefined) {
      this.#waiter = null;
      clearTimeout(waiter.timer);
      waiter.resolve(next);
    }
  }

  readonly #onError = (err: Error): void => {
    this.#fail(classifySocketError(err));
  };

  readonly #onEnd = (): void => {
    const pending = this.#inbox.pendingBytes;
    this.#fail(
      pending > 0
        ? { detail: 'ERR_SERVER_CLOSED_MID_REPLY', text: `server closed the connection in the middle of a reply (${pending} bytes unanswered)` }
        : { detail: 'ERR_SERVER_CLOSED', text: 'server closed the connection' },
    );
  };

  readonly #onClose = (): void => {
    this.#closed = true;
    this.#fail({ detail: 'ERR_CONNECTION_CLOSED', text: 'connection closed' });
  };

  #onTimeout(): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    const pending = this.#inbox.pendingBytes;
    this.#fail(
      pending > 0
        ? { detail: 'ERR_REPLY_INCOMPLETE', text: `reply incomplete after ${seconds(waiter.timeoutMs)} s (${pending} bytes received)` }
        : { detail: 'ERR_REPLY_TIMEOUT', text: `no reply within ${seconds(waiter.timeoutMs)} s` },
    );
  }

  /** The first failure wins; the socket is destroyed so a misbehaving server costs nothing more. */
  #fail(failure: LinkFailure): void {
    if (this.#failure !== null) return;
    this.#failure = failure;
    const reason = reasonOf(failure.detail);
    this.#transcript.event(reason === 'closed' ? failure.text : `${reason}: ${failure.text}`);
    this.#rejectWaiter();
    this.#socket.destroy();
    this.#tcp.destroy();
  }

  #rejectWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === null || this.#failure === null) return;
    this.#waiter = null;
    clearTimeout(waiter.timer);
    waiter.reject(this.#errorAt(waiter.stage, this.#failure));
  }

  #errorAt(stage: Stage, failure: LinkFailure): SessionError {
    return SessionError.at(stage, failure);
  }

  #recordReply(reply: Reply): void {
    const last = reply.lines.length - 1;
    reply.lines.forEach((text, i) => {
      const sep = i === last ? ' ' : '-';
      this.#transcript.server(text === '' && i === last ? `${reply.code}` : `${reply.code}${sep}${text}`);
    });
  }
}

function ignore(): void {}

/**
 * A TLS 1.3 server sends its session tickets just after the handshake, when we may already have
 * sent our EHLO: the segment carrying them then waits for our delayed ACK (40 ms on Linux), and a
 * server with Nagle on (Postfix's smtpd) holds its EHLO reply behind that unacknowledged segment.
 * The probe would report that 40 ms as the server's ehlo_tls time. Sending EHLO once the first
 * ticket is in lets EHLO's segment carry the ACK; a server that issues no ticket costs the wait,
 * which is counted in tls_handshake. wait() resolves on a later turn of the event loop: writing
 * from inside OpenSSL's ticket callback corrupts the record stream ("bad record mac").
 */
function firstTicket(secure: tls.TLSSocket, note: (event: string) => void): { wait(ms: number): Promise<void> } {
  let arrived = false;
  let notify: (() => void) | null = null;
  secure.once('session', () => {
    arrived = true;
    note('TLS 1.3 session ticket received');
    notify?.();
  });
  return {
    wait: (ms) =>
      new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          notify = null;
          secure.off('close', done);
          setImmediate(resolve);
        };
        const timer = setTimeout(() => {
          note(`no TLS 1.3 session ticket within ${ms.toFixed(1)} ms; going on without it`);
          done();
        }, arrived ? 0 : Math.max(0, ms));
        notify = done;
        secure.once('close', done);
      }),
  };
}
