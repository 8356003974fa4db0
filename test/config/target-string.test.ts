import { describe, expect, it } from 'vitest';
import { parseTargetString } from '../../src/config/target-string.js';

describe('parseTargetString', () => {
  it.each([
    ['mx.example.com', 'mx.example.com', 25],
    ['mx.example.com.', 'mx.example.com.', 25],
    ['mx.example.com:587', 'mx.example.com', 587],
    ['localhost', 'localhost', 25],
    ['192.0.2.1:2525', '192.0.2.1', 2525],
    ['[2001:db8::25]:465', '2001:db8::25', 465],
    ['[::1]', '::1', 25],
    ['_dmarc-test.example', '_dmarc-test.example', 25],
    ['a.example:65535', 'a.example', 65535],
  ])('%s', (input, host, port) => {
    expect(parseTargetString(input, 25)).toEqual({ ok: true, host, port });
  });

  it.each([
    ['a.example:65536', 'port must be 1–65535, got 65536'],
    ['a.example:', 'bad target "a.example:": the port must be a number, got ""'],
    ['a.example:+25', 'bad target "a.example:+25": the port must be a number, got "+25"'],
    ['::1', 'bad target "::1": write an IPv6 address in brackets, e.g. "[::1]:25"'],
    ['a:b:c', 'bad target "a:b:c": too many ":"'],
    ['[::1]25', 'bad target "[::1]25": expected ":port" after "]"'],
    ['-mx.example', 'bad target "-mx.example": "-mx.example" is not a valid host name or IPv4 address'],
    ['mx.example\r\nQUIT', 'bad target "mx.example\r\nQUIT": "mx.example\r\nQUIT" is not a valid host name or IPv4 address'],
    ['1.2.3', 'bad target "1.2.3": "1.2.3" is not a valid host name or IPv4 address'],
  ])('rejects %j', (input, message) => {
    expect(parseTargetString(input, 25)).toEqual({ ok: false, message });
  });
});
