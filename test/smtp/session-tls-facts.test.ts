import type { Certificate } from 'node:tls';
import { describe, expect, test } from 'vitest';
import { formatName, parseSubjectAltName } from '../../src/smtp/tls-facts.js';

describe('parseSubjectAltName', () => {
  test.each([
    ['', []],
    ['DNS:mx.example.com', ['DNS:mx.example.com']],
    ['DNS:mx.example.com, DNS:*.example.com, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1',
      ['DNS:mx.example.com', 'DNS:*.example.com', 'IP:192.0.2.1', 'IP:2001:DB8:0:0:0:0:0:1']],
    ['DNS:"a, b.example", DNS:c.example', ['DNS:a, b.example', 'DNS:c.example']],
    ['email:postmaster@example.com, URI:https://example.com/', ['email:postmaster@example.com', 'URI:https://example.com/']],
  ])('%j', (text, expected) => {
    expect(parseSubjectAltName(text)).toEqual(expected);
  });
});

describe('formatName', () => {
  test('most specific first (RFC 4514), repeated attributes kept', () => {
    const name = { C: 'US', O: 'Example', OU: ['Mail', 'Edge'], CN: 'mx.example.com' } as unknown as Certificate;
    expect(formatName(name)).toBe('CN=mx.example.com, OU=Edge, OU=Mail, O=Example, C=US');
  });

  test('an absent name is empty', () => {
    expect(formatName(undefined)).toBe('');
  });
});
