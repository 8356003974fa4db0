import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SmtpProtocolError, type SmtpErrorCode } from '../../src/smtp/errors.js';
import { reasonOf } from '../../src/smtp/failure.js';
import { DEFAULT_REPLY_LIMITS, ReplyAssembler, type ReplyLimits } from '../../src/smtp/reply-assembler.js';
import type { Reply } from '../../src/smtp/types.js';

interface Sample {
  id: string;
  phase: string;
  lines: string[];
}
const samples = JSON.parse(
  readFileSync(new URL('../fixtures/ehlo-samples.json', import.meta.url), 'utf8'),
) as Sample[];

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function pushAll(assembler: ReplyAssembler, chunks: Buffer[]): Reply[] {
  return chunks.flatMap((chunk) => assembler.push(chunk));
}

function inChunks(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return chunks;
}

function codeOf(fn: () => unknown): SmtpErrorCode | 'no error' {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SmtpProtocolError);
    return (err as SmtpProtocolError).code;
  }
  return 'no error';
}

const small: ReplyLimits = { maxLineBytes: 16, maxReplyLines: 3, maxReplyBytes: 40 };

describe('ReplyAssembler framing', () => {
  it('frames a single-line reply', () => {
    expect(new ReplyAssembler().push(bytes('220 mx.example.com ESMTP\r\n'))).toEqual([
      { code: 220, lines: ['mx.example.com ESMTP'] },
    ]);
  });

  it('accepts a bare LF as a line end and strips exactly one trailing CR', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(bytes('250-a\n250-b\r\n250 c\r\r\n'))).toEqual([{ code: 250, lines: ['a', 'b', 'c\r'] }]);
  });

  it('frames a multi-line reply only when its final line arrives', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(bytes('250-mx.example.com\r\n250-SIZE 1000\r\n'))).toEqual([]);
    expect(assembler.pendingBytes).toBe(35);
    expect(assembler.push(bytes('250 HELP\r\n'))).toEqual([
      { code: 250, lines: ['mx.example.com', 'SIZE 1000', 'HELP'] },
    ]);
    expect(assembler.pendingBytes).toBe(0);
  });

  it('takes a line that is exactly the 3-digit code as a final line, with or without a trailing space', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(bytes('220-first\r\n220-\r\n220\r\n250 \r\n'))).toEqual([
      { code: 220, lines: ['first', '', ''] },
      { code: 250, lines: [''] },
    ]);
  });

  it('keeps text that begins with digits (RFC 5321 §4.2.1 example) and trailing spaces', () => {
    expect(new ReplyAssembler().push(bytes('250-234 Text beginning with numbers \r\n250 The last line\r\n'))).toEqual([
      { code: 250, lines: ['234 Text beginning with numbers ', 'The last line'] },
    ]);
  });

  it('returns two replies completed by one chunk, in order, and keeps the rest pending', () => {
    const assembler = new ReplyAssembler();
    const replies = assembler.push(bytes('220 ready\r\n250 ok\r\n354 go'));
    expect(replies).toEqual([
      { code: 220, lines: ['ready'] },
      { code: 250, lines: ['ok'] },
    ]);
    expect(assembler.pendingBytes).toBe(6);
  });

  it('counts the finished lines of an unfinished reply as pending (bytes injected after a 220)', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(bytes('220 2.0.0 Ready to start TLS\r\n250-injected\r\n'))).toEqual([
      { code: 220, lines: ['2.0.0 Ready to start TLS'] },
    ]);
    expect(assembler.pendingBytes).toBe(14);
  });

  it('gives the same replies whatever the chunking: split at every byte position, and byte by byte', () => {
    const stream = bytes('220-mx.example.com ESMTP\r\n220 hi\r\n250-mx\n250-SIZE 35882577\r\n250 8BITMIME\r\n221 bye\r\n');
    const whole = new ReplyAssembler().push(stream);
    expect(whole).toHaveLength(3);
    for (let cut = 0; cut <= stream.length; cut++) {
      const split = pushAll(new ReplyAssembler(), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(split, `cut at ${cut}`).toEqual(whole);
    }
    expect(pushAll(new ReplyAssembler(), inChunks(stream, 1))).toEqual(whole);
  });

  it('frames every corpus entry, CRLF or bare LF, whole or byte by byte', () => {
    expect(samples.length).toBeGreaterThan(40);
    for (const sample of samples) {
      const expected: Reply = { code: Number(sample.lines[0]!.slice(0, 3)), lines: sample.lines.map((l) => l.slice(4)) };
      for (const eol of ['\r\n', '\n']) {
        const stream = Buffer.from(sample.lines.map((l) => l + eol).join(''), 'utf8');
        expect(new ReplyAssembler().push(stream), sample.id).toEqual([expected]);
        expect(pushAll(new ReplyAssembler(), inChunks(stream, 1)), sample.id).toEqual([expected]);
      }
    }
  });
});

describe('ReplyAssembler text decoding', () => {
  it('keeps valid UTF-8, falls back to Latin-1 for invalid UTF-8, and replaces NUL with U+FFFD', () => {
    const assembler = new ReplyAssembler();
    const stream = Buffer.concat([
      Buffer.from('220-Grüße\r\n', 'utf8'),
      Buffer.from('220-M\xfcller\r\n', 'latin1'),
      Buffer.from('220 a\0b\r\n', 'latin1'),
    ]);
    expect(assembler.push(stream)).toEqual([{ code: 220, lines: ['Grüße', 'Müller', 'a\uFFFDb'] }]);
  });
});

describe('ReplyAssembler errors', () => {
  it.each([
    ['a line with no code (smtp4dev 2.0.9 bare SIZE)', 'SIZE\r\n'],
    ['a blank line', '\r\n'],
    ['two digits', '25\r\n'],
    ['a fourth character other than SP or "-"', '250x ok\r\n'],
    ['a tab after the code', '250\tok\r\n'],
    ['a leading space', ' 250 ok\r\n'],
    ['first digit 1', '199 ok\r\n'],
    ['first digit 6', '650 ok\r\n'],
    ['second digit 6 (RFC 5321 Reply-code = %x32-35 %x30-35 %x30-39)', '260 ok\r\n'],
    ['letters in the code', '2a0 ok\r\n'],
    ['garbage after a complete reply', '250 ok\r\nHTTP/1.1 400 Bad Request\r\n'],
  ])('rejects %s with ERR_MALFORMED_REPLY', (_name, text) => {
    expect(codeOf(() => new ReplyAssembler().push(bytes(text)))).toBe('ERR_MALFORMED_REPLY');
  });

  it('rejects a code change inside a multi-line reply', () => {
    expect(codeOf(() => new ReplyAssembler().push(bytes('250-a\r\n251 b\r\n')))).toBe('ERR_REPLY_CODE_CHANGED');
  });

  it('refuses a 10 MB line early, in 64 KiB chunks, without buffering more than maxLineBytes', () => {
    const assembler = new ReplyAssembler();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    chunk.write('220 ', 0, 'latin1');
    let pushed = 0;
    let code: SmtpErrorCode | 'no error' = 'no error';
    while (pushed < 10 * 1024 * 1024 && code === 'no error') {
      code = codeOf(() => assembler.push(chunk));
      pushed += chunk.length;
      expect(assembler.pendingBytes).toBeLessThanOrEqual(DEFAULT_REPLY_LIMITS.maxLineBytes);
    }
    expect(code).toBe('ERR_LINE_TOO_LONG');
    expect(pushed).toBe(chunk.length);
  });

  it('refuses a 10 MB line delivered as one chunk, with or without its line end', () => {
    const line = Buffer.alloc(10 * 1024 * 1024, 0x41);
    line.write('250 ', 0, 'latin1');
    expect(codeOf(() => new ReplyAssembler().push(line))).toBe('ERR_LINE_TOO_LONG');
    expect(codeOf(() => new ReplyAssembler().push(Buffer.concat([line, bytes('\r\n')])))).toBe('ERR_LINE_TOO_LONG');
  });

  it('refuses a long line that arrives byte by byte as soon as it passes the bound', () => {
    const assembler = new ReplyAssembler(small);
    const one = bytes('x');
    for (let i = 0; i < small.maxLineBytes; i++) assembler.push(one);
    expect(assembler.pendingBytes).toBe(small.maxLineBytes);
    expect(codeOf(() => assembler.push(one))).toBe('ERR_LINE_TOO_LONG');
  });

  it('accepts a line of exactly maxLineBytes before its LF (the CR counts) and refuses one byte more', () => {
    expect(new ReplyAssembler(small).push(bytes('250 0123456789a\r\n'))).toEqual([{ code: 250, lines: ['0123456789a'] }]);
    expect(codeOf(() => new ReplyAssembler(small).push(bytes('250 0123456789ab\r\n')))).toBe('ERR_LINE_TOO_LONG');
  });

  it('accepts maxReplyLines lines and refuses one more', () => {
    expect(new ReplyAssembler(small).push(bytes('250-a\r\n250-b\r\n250 c\r\n'))).toHaveLength(1);
    expect(codeOf(() => new ReplyAssembler(small).push(bytes('250-a\r\n250-b\r\n250-c\r\n250 d\r\n')))).toBe(
      'ERR_REPLY_TOO_MANY_LINES',
    );
  });

  it('refuses a reply larger than maxReplyBytes, even before its last line ends', () => {
    const limits: ReplyLimits = { maxLineBytes: 16, maxReplyLines: 100, maxReplyBytes: 40 };
    expect(new ReplyAssembler(limits).push(bytes('250-0123456789\r\n250-0123456789\r\n250 01\r\n'))).toHaveLength(1);
    expect(codeOf(() => new ReplyAssembler(limits).push(bytes('250-0123456789\r\n250-0123456789\r\n250 0123')))).toBe(
      'ERR_REPLY_TOO_LARGE',
    );
  });

  it('keeps failing after an error until reset(), and holds no bytes meanwhile', () => {
    const assembler = new ReplyAssembler();
    expect(codeOf(() => assembler.push(bytes('250-a\r\nnot smtp\r\n')))).toBe('ERR_MALFORMED_REPLY');
    expect(assembler.pendingBytes).toBe(0);
    expect(codeOf(() => assembler.push(bytes('250 ok\r\n')))).toBe('ERR_MALFORMED_REPLY');
    assembler.reset();
    expect(assembler.push(bytes('250 ok\r\n'))).toEqual([{ code: 250, lines: ['ok'] }]);
  });

  it('raises errors whose detail code belongs to the protocol_error reason', () => {
    try {
      new ReplyAssembler().push(bytes('nope\r\n'));
      expect.unreachable('push should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(SmtpProtocolError);
      expect(reasonOf((err as SmtpProtocolError).code)).toBe('protocol_error');
    }
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new ReplyAssembler({ ...DEFAULT_REPLY_LIMITS, maxLineBytes: 0 })).toThrow(RangeError);
    expect(() => new ReplyAssembler({ ...DEFAULT_REPLY_LIMITS, maxReplyLines: 1.5 })).toThrow(RangeError);
  });
});

describe('ReplyAssembler.reset', () => {
  it('drops the partial line and the partial reply (RFC 3207 §4.2)', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(bytes('250-PIPELINING\r\n250-SIZE 10'))).toEqual([]);
    expect(assembler.pendingBytes).toBe(27);
    assembler.reset();
    expect(assembler.pendingBytes).toBe(0);
    expect(assembler.push(bytes('250-mx\r\n250 STARTTLS\r\n'))).toEqual([{ code: 250, lines: ['mx', 'STARTTLS'] }]);
  });

  it('lets a reply with another code follow after reset()', () => {
    const assembler = new ReplyAssembler();
    assembler.push(bytes('250-half'));
    assembler.reset();
    expect(assembler.push(bytes('220 ready\r\n'))).toEqual([{ code: 220, lines: ['ready'] }]);
  });
});

describe('DEFAULT_REPLY_LIMITS', () => {
  it('is 4096 bytes a line, 500 lines and 64 KiB a reply, and frozen', () => {
    expect(DEFAULT_REPLY_LIMITS).toEqual({ maxLineBytes: 4096, maxReplyLines: 500, maxReplyBytes: 65536 });
    expect(Object.isFrozen(DEFAULT_REPLY_LIMITS)).toBe(true);
  });
});
