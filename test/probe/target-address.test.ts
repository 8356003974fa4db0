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
    // The trailing dot only marks the name absolute: one host, one target (issue 15).
    ['  mail_relay.example.org.:2525 ', { target: 'mail_relay.example.org:2525', host: 'mail_relay.example.org', port: 2525 }],
    ['localhost.:25', { target: 'localhost:25', host: 'localhost', port: 25 }],
    // Internationalised names become their A-labels, the only form DNS knows.
    ['bücher.example', { target: 'xn--bcher-kva.example:25', host: 'xn--bcher-kva.example', port: 25 }],
    // RFC 6874: "%25" in a bracketed literal is the zone separator.
    ['[fe80::1%25eth0]:25', { target: '[fe80::1%eth0]:25', host: 'fe80::1%eth0', port: 25 }],
    ['[fe80::1%eth0]', { target: '[fe80::1%eth0]:25', host: 'fe80::1%eth0', port: 25 }],
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
    // Every non-canonical IPv4 spelling alike.
    ['127.1', 'ERR_TARGET_HOST'],
    ['0177.0.0.1', 'ERR_TARGET_HOST'],
    ['2130706433', 'ERR_TARGET_HOST'],
    ['0x7f.1', 'ERR_TARGET_HOST'],
    ['0x7f000001:25', 'ERR_TARGET_HOST'],
    ['b\u00fccher\u0000.example', 'ERR_TARGET_HOST'],
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

test('non-canonical IPv4 and invalid IDNs name their problem', () => {
  expect(() => parseTargetAddress('0x7f.1')).toThrow('"0x7f.1" is not a canonical IPv4 address; write four decimal numbers such as 192.0.2.1');
  expect(() => parseTargetAddress('127.1')).toThrow('"127.1" is not a canonical IPv4 address');
  expect(() => parseTargetAddress('b\u00fccher\u0000.example')).toThrow('write it in punycode (xn--…)');
});
