import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmtpProtocolError, type SmtpErrorCode } from '../../src/smtp/errors.js';
import { DEFAULT_REPLY_LIMITS, ReplyAssembler, type ReplyLimits } from '../../src/smtp/reply-assembler.js';
import type { Reply } from '../../src/smtp/types.js';

const RUNS = 2000;
// Small bounds so that generated input actually reaches them.
const SMALL: ReplyLimits = { maxLineBytes: 24, maxReplyLines: 4, maxReplyBytes: 80 };

interface Outcome {
  replies: Reply[];
  error: SmtpErrorCode | null;
}

/**
 * Pushes the chunks in order until one throws, checking after every push that what is buffered
 * stays within the bounds: the partial line (bytes after the last LF) within maxLineBytes, and
 * everything pending, i.e. the finished lines of an unfinished reply plus that partial line,
 * within maxReplyBytes.
 */
function run(limits: ReplyLimits, chunks: Uint8Array[]): Outcome {
  const assembler = new ReplyAssembler(limits);
  const replies: Reply[] = [];
  let partialLine = 0;
  for (const chunk of chunks) {
    try {
      replies.push(...assembler.push(Buffer.from(chunk)));
    } catch (err) {
      if (!(err instanceof SmtpProtocolError)) throw err;
      check(assembler.pendingBytes === 0, 'pendingBytes after an error');
      return { replies, error: err.code };
    }
    const lf = chunk.lastIndexOf(0x0a);
    partialLine = lf === -1 ? partialLine + chunk.length : chunk.length - lf - 1;
    check(partialLine <= limits.maxLineBytes, `partial line of ${partialLine} bytes`);
    const pending = assembler.pendingBytes;
    check(pending >= partialLine && pending <= limits.maxReplyBytes, `pendingBytes ${pending}`);
  }
  return { replies, error: null };
}

/** A plain assertion: expect() per pushed byte would dominate the run time. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bound violated: ${what}`);
}

/** Cuts data at the given (sorted, clamped) offsets. */
function cut(data: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    chunks.push(data.subarray(start, point));
    start = point;
  }
  return chunks;
}

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** Bytes that look like SMTP often enough to get past the first line: codes, separators, line ends, junk. */
const smtpish = fc
  .array(
    fc.oneof(
      fc.constantFrom('250', '220', '421', '251', '199', '-', ' ', '\r\n', '\n', '\r', 'SIZE 100', 'AUTH', '\0', '\xff\xfe').map(ascii),
      fc.uint8Array({ maxLength: 12 }),
      fc.integer({ min: 1, max: 40 }).map((n) => new Uint8Array(n).fill(0x61)),
    ),
    { maxLength: 40, size: 'medium' },
  )
  .map(concat);

const offsets = fc.array(fc.nat(), { maxLength: 12, size: 'medium' });

describe('ReplyAssembler properties', () => {
  it('on arbitrary bytes throws only SmtpProtocolError and buffers within bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400, size: 'max' }), offsets, (data, at) => {
        run(SMALL, cut(data, at));
        run(DEFAULT_REPLY_LIMITS, cut(data, at));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same replies and the same error however SMTP-like bytes are chunked', () => {
    fc.assert(
      fc.property(smtpish, offsets, (data, at) => {
        // Line by line, a push completes at most one reply, so every reply before an error is seen.
        const lineEnds = Array.from(data.keys()).filter((i) => data[i] === 0x0a).map((i) => i + 1);
        const reference = run(SMALL, cut(data, lineEnds));
        expect(run(SMALL, cut(data, Array.from(data.keys())))).toEqual(reference);
        for (const chunks of [[data], cut(data, at)]) {
          const outcome = run(SMALL, chunks);
          expect(outcome.error).toBe(reference.error);
          // A push that throws drops the replies it completed before the violation (documented).
          if (reference.error === null) expect(outcome.replies).toEqual(reference.replies);
          else expect(reference.replies.slice(0, outcome.replies.length)).toEqual(outcome.replies);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('frames well-formed replies back to exactly what was sent, with CRLF or LF, in any chunking', () => {
    const code = fc
      .tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 }))
      .map(([a, b, c]) => a * 100 + b * 10 + c);
    const line = fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), fc.boolean());
    const reply = fc.record({ code, lines: fc.array(line, { minLength: 1, maxLength: 6 }) });
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 5 }), offsets, (sent, at) => {
        const wire = sent
          .flatMap(({ code, lines }) =>
            lines.map(([text, crlf], i) => {
              const separator = i === lines.length - 1 ? ' ' : '-';
              return `${code}${separator}${text}${crlf ? '\r\n' : '\n'}`;
            }),
          )
          .join('');
        const expected = sent.map(({ code, lines }) => ({ code, lines: lines.map(([text]) => text) }));
        expect(run(DEFAULT_REPLY_LIMITS, cut(ascii(wire), at))).toEqual({ replies: expected, error: null });
      }),
      { numRuns: RUNS },
    );
  });
});
