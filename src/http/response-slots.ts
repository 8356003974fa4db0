// Slots for expensive responses (/metrics, /api/v1/targets): a bound on how many are served at
// once, on how many one client (remote address) holds, and on how long a client may stop reading.
// Without the last two, four connections that send `GET /metrics` and never read would hold every
// slot for as long as they like, and every real scrape would get 503.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type HttpErrorCode } from './errors.js';

export interface SlotLimits {
  /** Responses served at once; more get the busy error. */
  max: number;
  /** Responses one remote address is served at once. */
  perClient: number;
  /** A response whose client accepts no bytes for this long is dropped, and its slot freed. */
  stallMs: number;
}

/** How often a held slot checks that its client still reads. */
const STALL_CHECK_MS = 500;

/** libuv's count of bytes handed to the socket but not yet taken by the kernel (undocumented, stable since Node 0.x). */
function unsentBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  return handle?.writeQueueSize ?? 0;
}

export class ResponseSlots {
  private held = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly limits: SlotLimits,
    private readonly busyCode: HttpErrorCode,
    private readonly what: string,
  ) {}

  get inUse(): number {
    return this.held;
  }

  /** Takes a slot until the response closes (sent, dropped, or the client went away); throws the busy error when none is free. */
  acquire(request: FastifyRequest, reply: FastifyReply): void {
    const client = request.socket.remoteAddress ?? '';
    const mine = this.byClient.get(client) ?? 0;
    if (this.held >= this.limits.max) {
      throw new HttpError(this.busyCode, `too many concurrent ${this.what} (limit ${this.limits.max}); retry later`);
    }
    if (mine >= this.limits.perClient) {
      throw new HttpError(this.busyCode, `too many concurrent ${this.what} from ${client} (limit ${this.limits.perClient} per client); retry later`);
    }
    this.held++;
    this.byClient.set(client, mine + 1);
    const socket = request.socket;
    let sent = socket.bytesWritten - unsentBytes(socket);
    let lastProgress = Date.now();
    const watch = setInterval(() => {
      const now = Date.now();
      const nowSent = socket.bytesWritten - unsentBytes(socket);
      if (nowSent !== sent || unsentBytes(socket) === 0) {
        sent = nowSent;
        lastProgress = now;
      } else if (now - lastProgress >= this.limits.stallMs) {
        request.log.warn({ client, url: request.url, stalledMs: now - lastProgress }, `dropping a client that stopped reading its ${this.what} response`);
        socket.destroy();
      }
    }, STALL_CHECK_MS);
    watch.unref();
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      clearInterval(watch);
      this.held--;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left === 0) this.byClient.delete(client);
      else this.byClient.set(client, left);
    });
  }
}
