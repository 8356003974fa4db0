// RFC 5321 §4.2 reply framing: turns the raw byte stream from a server into complete replies.
//
//   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                Reply-code [ SP textstring ] CRLF
//   Reply-code = %x32-35 %x30-35 %x30-39
//
// Lenient where real servers are sloppy (a bare LF ends a line too), strict where leniency would
// let a hostile server hold memory or desynchronise us (every bound is checked while bytes are
// still being buffered, so a 10 MB line is refused after maxLineBytes, never stored).
import { SmtpProtocolError } from './errors.js';
import { decodeReplyText } from './reply-text.js';
import type { Reply } from './types.js';

export interface ReplyLimits {
  /** Bytes of one line before its LF (a trailing CR counts). */
  maxLineBytes: number;
  /** Lines in one reply. */
  maxReplyLines: number;
  /** Bytes of one reply, every line terminator included. */
  maxReplyBytes: number;
}

/**
 * RFC 5321 §4.5.3.1.5 allows 512 octets a reply line; real servers exceed it (long banners,
 * XCLIENT attribute lists), so we accept 8x that and still keep a probe's memory small.
 */
export const DEFAULT_REPLY_LIMITS: ReplyLimits = Object.freeze({
  maxLineBytes: 4096,
  maxReplyLines: 500,
  maxReplyBytes: 64 * 1024,
});

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DASH = 0x2d;
const FIRST_LINE_BUFFER = 256;

export class ReplyAssembler {
  readonly #limits: ReplyLimits;
  /** The current, unterminated line. Grows by doubling up to maxLineBytes, then is reused. */
  #line: Buffer = Buffer.alloc(0);
  #lineLength = 0;
  /** The reply being assembled: its code once its first line is in, its texts and raw size. */
  #code: number | null = null;
  #texts: string[] = [];
  #replyBytes = 0;
  /** Set once the stream broke the grammar or a bound: framing cannot be trusted after that. */
  #failure: SmtpProtocolError | null = null;

  constructor(limits: ReplyLimits = DEFAULT_REPLY_LIMITS) {
    for (const key of ['maxLineBytes', 'maxReplyLines', 'maxReplyBytes'] as const) {
      const value = limits[key];
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`ReplyLimits.${key} must be a positive integer, got ${String(value)}`);
      }
    }
    this.#limits = { ...limits };
  }

  /** Bytes buffered and not yet part of a complete reply: finished lines of an unfinished reply plus the partial line. */
  get pendingBytes(): number {
    return this.#replyBytes + this.#lineLength;
  }

  /**
   * Feed raw bytes; returns every reply completed by them, in order. Throws SmtpProtocolError
   * on a violation. A failure is sticky: every later push throws the same error until reset(),
   * because after a framing error we no longer know where the next reply starts. Replies that the
   * same chunk completed before the violation are not returned: the stream is broken either way.
   */
  push(chunk: Buffer): Reply[] {
    if (this.#failure !== null) throw this.#failure;
    const replies: Reply[] = [];
    try {
      let start = 0;
      while (start < chunk.length) {
        // Only the new bytes are scanned; the partial line is never scanned again.
        const lf = this.#findLineEnd(chunk, start);
        const end = lf === -1 ? chunk.length : lf;
        let reply: Reply | null;
        if (this.#lineLength === 0 && lf !== -1) {
          this.#checkBuffered(end - start);
          reply = this.#acceptLine(chunk, start, end); // whole line inside this chunk: no copy
        } else {
          this.#append(chunk, start, end);
          if (lf === -1) break;
          reply = this.#acceptLine(this.#line, 0, this.#lineLength);
        }
        this.#lineLength = 0;
        if (reply !== null) replies.push(reply);
        start = lf + 1;
      }
    } catch (err) {
      if (err instanceof SmtpProtocolError) this.#fail(err);
      throw err;
    }
    return replies;
  }

  /** Drop every buffered byte and partial reply (RFC 3207: nothing read before TLS survives the upgrade). */
  reset(): void {
    this.#lineLength = 0;
    this.#code = null;
    this.#texts = [];
    this.#replyBytes = 0;
    this.#failure = null;
  }

  /**
   * The next LF at or after `start`, or -1. Looks no further than the longest line still allowed,
   * so a 10 MB chunk without a newline costs a 4 KiB scan, not a 10 MB one.
   */
  #findLineEnd(chunk: Buffer, start: number): number {
    const window = this.#limits.maxLineBytes - this.#lineLength + 1;
    if (chunk.length - start <= window) return chunk.indexOf(LF, start);
    const lf = chunk.subarray(start, start + window).indexOf(LF);
    return lf === -1 ? -1 : start + lf;
  }

  /** Copies chunk[start, end) onto the partial line, refusing it before it can exceed a bound. */
  #append(chunk: Buffer, start: number, end: number): void {
    const count = end - start;
    if (count === 0) return;
    this.#checkBuffered(this.#lineLength + count);
    const needed = this.#lineLength + count;
    if (needed > this.#line.length) {
      let size = Math.max(this.#line.length * 2, FIRST_LINE_BUFFER);
      while (size < needed) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.#limits.maxLineBytes));
      this.#line.copy(grown, 0, 0, this.#lineLength);
      this.#line = grown;
    }
    chunk.copy(this.#line, this.#lineLength, start, end);
    this.#lineLength = needed;
  }

  /** A line of `lineBytes` bytes (so far) must fit both the line bound and the reply bound. */
  #checkBuffered(lineBytes: number): void {
    if (lineBytes > this.#limits.maxLineBytes) {
      throw new SmtpProtocolError(
        'ERR_LINE_TOO_LONG',
        `reply line exceeds ${this.#limits.maxLineBytes} bytes without a line end`,
      );
    }
    // +1: the LF that must still come.
    if (this.#replyBytes + lineBytes + 1 > this.#limits.maxReplyBytes) throw this.#tooLarge();
  }

  /** Validates one line, buf[start, end) without its LF, and adds it to the reply; returns the reply it completes. */
  #acceptLine(buf: Buffer, start: number, end: number): Reply | null {
    const textEnd = end > start && buf[end - 1] === CR ? end - 1 : end;
    const code = replyCode(buf, start, textEnd);
    if (code === null) {
      throw new SmtpProtocolError(
        'ERR_MALFORMED_REPLY',
        `not an SMTP reply line: ${JSON.stringify(decodeReplyText(buf, start, Math.min(textEnd, start + 80)))}`,
      );
    }
    if (this.#code !== null && code !== this.#code) {
      throw new SmtpProtocolError(
        'ERR_REPLY_CODE_CHANGED',
        `reply code changed from ${this.#code} to ${code} inside a multi-line reply`,
      );
    }
    if (this.#texts.length >= this.#limits.maxReplyLines) {
      throw new SmtpProtocolError(
        'ERR_REPLY_TOO_MANY_LINES',
        `reply has more than ${this.#limits.maxReplyLines} lines`,
      );
    }
    this.#replyBytes += end - start + 1;
    if (this.#replyBytes > this.#limits.maxReplyBytes) throw this.#tooLarge();

    this.#code = code;
    this.#texts.push(textEnd - start > 4 ? decodeReplyText(buf, start + 4, textEnd) : '');
    if (textEnd - start > 3 && buf[start + 3] === DASH) return null;

    const reply: Reply = { code, lines: this.#texts };
    this.#code = null;
    this.#texts = [];
    this.#replyBytes = 0;
    return reply;
  }

  #tooLarge(): SmtpProtocolError {
    return new SmtpProtocolError(
      'ERR_REPLY_TOO_LARGE',
      `reply exceeds ${this.#limits.maxReplyBytes} bytes`,
    );
  }

  /** Frees the buffers; a stream that broke framing is not resumed. */
  #fail(err: SmtpProtocolError): void {
    this.reset();
    this.#line = Buffer.alloc(0);
    this.#failure = err;
  }
}

/**
 * The reply code of the line buf[start, end) (trailing CR already excluded), or null when the
 * line does not start with a Reply-code followed by SP, "-" or the end of the line.
 * RFC 5321 §4.2: first digit 2-5, second 0-5, third 0-9; anything else is not a reply we can act on.
 */
function replyCode(buf: Buffer, start: number, end: number): number | null {
  if (end - start < 3) return null;
  const a = buf[start]! - 0x30;
  const b = buf[start + 1]! - 0x30;
  const c = buf[start + 2]! - 0x30;
  if (a < 2 || a > 5 || b < 0 || b > 5 || c < 0 || c > 9) return null;
  const separator = buf[start + 3];
  if (end - start > 3 && separator !== SP && separator !== DASH) return null;
  return a * 100 + b * 10 + c;
}
