// What the server has said that the session has not consumed yet: complete replies, a partial one,
// and bytes kept unparsed after a STARTTLS 220 (RFC 3207 §4.2). Pure: no sockets, no timers.
import { SmtpProtocolError } from './errors.js';
import { ReplyAssembler, type ReplyLimits } from './reply-assembler.js';
import type { Reply } from './types.js';

/** Replies nobody asked for that we keep before calling the server broken (memory stays bounded). */
const MAX_QUEUED_REPLIES = 4;
const LF = 0x0a;

export class ReplyInbox {
  readonly #assembler: ReplyAssembler;
  readonly #maxHeldBytes: number;
  readonly #onReply: (reply: Reply) => void;
  readonly #queue: Reply[] = [];
  /** Set by holdAfterNextReply(): frame line by line, and stop after the next reply. */
  #holdAfterReply = false;
  #holding = false;
  readonly #held: Buffer[] = [];
  #heldBytes = 0;

  /** `onReply` sees every complete reply once, in order (the transcript). */
  constructor(limits: ReplyLimits, onReply: (reply: Reply) => void) {
    this.#assembler = new ReplyAssembler(limits);
    this.#maxHeldBytes = limits.maxReplyBytes;
    this.#onReply = onReply;
  }

  /** Bytes received and not part of a queued reply: a partial reply, plus anything held. */
  get pendingBytes(): number {
    return this.#assembler.pendingBytes + this.#heldBytes;
  }

  /** Throws SmtpProtocolError when the bytes break the grammar or a bound. */
  push(chunk: Buffer): void {
    if (this.#holding) {
      this.#hold(chunk);
      return;
    }
    const replies = this.#holdAfterReply ? this.#pushUntilReply(chunk) : this.#assembler.push(chunk);
    for (const reply of replies) {
      this.#onReply(reply);
      this.#queue.push(reply);
    }
    if (this.#queue.length > MAX_QUEUED_REPLIES) {
      throw new SmtpProtocolError('ERR_UNEXPECTED_DATA', `server sent ${this.#queue.length} replies nobody asked for`);
    }
  }

  take(): Reply | undefined {
    return this.#queue.shift();
  }

  peek(): Reply | undefined {
    return this.#queue[0];
  }

  /**
   * Bytes after the next reply are kept, unparsed: after a STARTTLS 220 they belong to no reply of
   * ours and must be dropped rather than judged. discard() drops them; release() parses them.
   */
  holdAfterNextReply(): void {
    this.#holdAfterReply = true;
  }

  /** RFC 3207 §4.2: drops every queued reply and buffered byte; returns how many bytes that was. */
  discard(): number {
    let bytes = this.pendingBytes;
    for (const reply of this.#queue) {
      for (const line of reply.lines) bytes += Buffer.byteLength(line) + 6; // code, separator, CRLF
    }
    this.#queue.length = 0;
    this.#assembler.reset();
    this.#stopHolding();
    return bytes;
  }

  /** Parses the held bytes after all (the session stays in plaintext). Throws like push(). */
  release(): void {
    const held = this.#stopHolding();
    for (const chunk of held) this.push(chunk);
  }

  #stopHolding(): Buffer[] {
    this.#holdAfterReply = false;
    this.#holding = false;
    this.#heldBytes = 0;
    return this.#held.splice(0);
  }

  /** Frames line by line until one reply completes; the rest of the chunk is held, unparsed. */
  #pushUntilReply(chunk: Buffer): Reply[] {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      const replies = this.#assembler.push(chunk.subarray(start, end));
      start = end;
      if (replies.length > 0) {
        this.#holdAfterReply = false;
        this.#holding = true;
        if (start < chunk.length) this.#hold(chunk.subarray(start));
        return replies;
      }
    }
    return [];
  }

  #hold(chunk: Buffer): void {
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > this.#maxHeldBytes) {
      throw new SmtpProtocolError('ERR_UNEXPECTED_DATA', `server sent more than ${this.#maxHeldBytes} bytes nobody asked for`);
    }
    this.#held.push(chunk);
  }
}
