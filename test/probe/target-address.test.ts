import { describe, expect, test } from 'vitest';
import { ProbeInputError } from '../../src/probe/probe-input-error.js';
import { parseTargetAddress } from '../../src/probe/target-address.js';

describe('parseTargetAddress', () => {
  test.each([
    ['mx.example.com', { target: 'mx.example.com:25', host: 'mx.example.com', port: 25 }],
    ['MX.Example.COM:587', { target: 'mx.example.com:587', host: 'mx.example.com', port: 587 }],
    ['192.0.2.1:25', { target: '192.0.2.1:25', host: '192.0.2.1', port: 25 }],
    ['192.0.2.1', { target: '192.0.2.1:25', host: '192.0.2.1', port: 25 }],
    ['[2001:db8::1]:465', { target: '[2001:db8::1]:465', host: '2001:db8::1', port: 465 }],
    ['[::1]', { target: '[::1]:25', host: '::1', port: 25 }],
    ['localhost', { target: 'localhost:25', host: 'localhost', port: 25 }],
    ['  mail_relay.example.org.:2525 ', { target: 'mail_relay.example.org.:2525', host: 'mail_relay.example.org.', port: 2525 }],
  ])('%s', (input, expected) => {
    expect(parseTargetAddress(input)).toEqual(expected);
  });

  test('uses the given default port', () => {
    expect(parseTargetAddress('smtp.example.com', 465).port).toBe(465);
  });

  test.each([
    ['', 'ERR_TARGET_EMPTY'],
    ['2001:db8::1', 'ERR_TARGET_IPV6_BRACKETS'],
    ['[2001:db8::1', 'ERR_TARGET_HOST'],
    ['[example.com]:25', 'ERR_TARGET_HOST'],
    ['[::1]25', 'ERR_TARGET_HOST'],
    ['mx.example.com:0', 'ERR_TARGET_PORT'],
    ['mx.example.com:65536', 'ERR_TARGET_PORT'],
    ['mx.example.com:smtp', 'ERR_TARGET_PORT'],
    ['mx.example.com:', 'ERR_TARGET_PORT'],
    ['mx..example.com', 'ERR_TARGET_HOST'],
    ['-mx.example.com', 'ERR_TARGET_HOST'],
    ['300.1.1.1', 'ERR_TARGET_HOST'],
    ['mx example.com', 'ERR_TARGET_HOST'],
    [`${'a'.repeat(64)}.example.com`, 'ERR_TARGET_HOST'],
  ])('rejects %j with %s', (input, code) => {
    let caught: unknown;
    try {
      parseTargetAddress(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProbeInputError);
    expect((caught as ProbeInputError).code).toBe(code);
    expect((caught as ProbeInputError).message.length).toBeGreaterThan(10);
  });
});
