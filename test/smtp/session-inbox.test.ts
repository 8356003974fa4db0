// The connection's inbox: replies queued in order, bytes after a STARTTLS 220 held unparsed.
import { describe, expect, test } from 'vitest';
import { ReplyInbox } from '../../src/smtp/connection-inbox.js';
import { DEFAULT_REPLY_LIMITS } from '../../src/smtp/reply-assembler.js';
import { SmtpProtocolError } from '../../src/smtp/errors.js';
import type { Reply } from '../../src/smtp/types.js';

function inbox(): { box: ReplyInbox; seen: Reply[] } {
  const seen: Reply[] = [];
  return { box: new ReplyInbox(DEFAULT_REPLY_LIMITS, (r) => seen.push(r)), seen };
}

describe('ReplyInbox', () => {
  test('queues complete replies in order and reports partial bytes', () => {
    const { box, seen } = inbox();
    box.push(Buffer.from('220-a\r\n220 b\r\n250 ok\r\n250-par'));
    expect(box.take()).toEqual({ code: 220, lines: ['a', 'b'] });
    expect(box.take()).toEqual({ code: 250, lines: ['ok'] });
    expect(box.take()).toBeUndefined();
    expect(box.pendingBytes).toBe(7);
    expect(seen).toHaveLength(2);
  });

  test('after holdAfterNextReply, bytes behind the reply are held unparsed, then discarded', () => {
    const { box, seen } = inbox();
    box.holdAfterNextReply();
    box.push(Buffer.from('220 go ahead\r\nnot SMTP\r\n\u0000'));
    box.push(Buffer.from('250-INJECTED\r\n'));
    expect(box.take()).toEqual({ code: 220, lines: ['go ahead'] });
    expect(box.pendingBytes).toBe(25);
    expect(box.discard()).toBe(25);
    expect(box.pendingBytes).toBe(0);
    box.push(Buffer.from('250 fresh\r\n'));
    expect(box.take()).toEqual({ code: 250, lines: ['fresh'] });
    expect(seen.map((r) => r.code)).toEqual([220, 250]);
  });

  test('release() parses held bytes after all', () => {
    const { box } = inbox();
    box.holdAfterNextReply();
    box.push(Buffer.from('454 no TLS\r\n250 extra\r\n'));
    expect(box.take()?.code).toBe(454);
    expect(box.take()).toBeUndefined();
    box.release();
    expect(box.take()).toEqual({ code: 250, lines: ['extra'] });
  });

  test('too many unsolicited replies is a protocol error', () => {
    const { box } = inbox();
    expect(() => box.push(Buffer.from('250 x\r\n'.repeat(10)))).toThrow(SmtpProtocolError);
  });

  test('held bytes are bounded', () => {
    const { box } = inbox();
    box.holdAfterNextReply();
    box.push(Buffer.from('220 go\r\n'));
    let caught: unknown;
    try {
      for (let i = 0; i < 100; i++) box.push(Buffer.alloc(4096, 0x41));
    } catch (err) {
      caught = err;
    }
    expect((caught as SmtpProtocolError).code).toBe('ERR_UNEXPECTED_DATA');
  });
});
