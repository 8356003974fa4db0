// The /probe allow list: networks and host names, judged on the resolved addresses.
import { describe, expect, it } from 'vitest';
import { AllowListError, isAllowed, parseAllowList, specialAddressKind } from '../../src/config/probe-allow-list.js';

describe('parseAllowList', () => {
  it('accepts CIDRs, single addresses, host names and *.domain wildcards', () => {
    const list = parseAllowList(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7', '::1', 'MX.Example.com.', '*.example.org']);
    expect(list.networks.map((n) => n.entry)).toEqual(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7', '::1']);
    expect([...list.hosts]).toEqual(['mx.example.com']);
    expect(list.suffixes).toEqual(['.example.org']);
  });

  it.each([
    ['', 'is empty'],
    ['10.0.0.0/33', 'is not a valid CIDR block: the prefix length must be 0–32 for IPv4'],
    ['2001:db8::/129', 'is not a valid CIDR block: the prefix length must be 0–128 for IPv6'],
    ['10.0.0.0/', 'is not a valid CIDR block: the prefix length must be 0–32 for IPv4'],
    ['10.0.0.0/8x', 'is not a valid CIDR block: the prefix length must be 0–32 for IPv4'],
    ['300.1.1.1/8', 'is not a valid CIDR block: "300.1.1.1" is not an IP address'],
    ['mail server', 'is neither an IP address, a CIDR block, a host name nor "*.domain"'],
    ['-bad.example.com', 'is neither an IP address, a CIDR block, a host name nor "*.domain"'],
    ['*.', 'is not a valid wildcard: "*." must be followed by a host name'],
    ['*example.com', 'is neither an IP address, a CIDR block, a host name nor "*.domain"'],
  ])('rejects %j with a coded error naming the entry', (entry, detail) => {
    let err: unknown;
    try {
      parseAllowList(['192.0.2.1', entry]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AllowListError);
    expect((err as AllowListError).code).toBe('ERR_ALLOWLIST_ENTRY');
    expect((err as AllowListError).index).toBe(1);
    expect((err as AllowListError).message).toBe(`allow list entry 1: "${entry}" ${detail}`);
  });
});

describe('isAllowed', () => {
  const list = parseAllowList(['192.0.2.0/24', '2001:db8::/32', 'mx.example.com', '*.example.org']);

  it('allows an address literal inside an allowed network, refuses one outside', () => {
    expect(isAllowed(list, '192.0.2.9', ['192.0.2.9']).allowed).toBe(true);
    expect(isAllowed(list, '[2001:db8::25]', ['2001:db8::25']).allowed).toBe(true);
    const r = isAllowed(list, '198.51.100.1', ['198.51.100.1']);
    expect(r).toEqual({ allowed: false, reason: '198.51.100.1 (198.51.100.1) is neither in an allowed network nor an allowed host name' });
  });

  it('allows a listed host name, and any depth of subdomain under a wildcard but not its apex', () => {
    expect(isAllowed(list, 'MX.example.com.', ['203.0.113.5'])).toEqual({
      allowed: true,
      reason: 'MX.example.com. matches the allowed host mx.example.com',
    });
    expect(isAllowed(list, 'a.b.example.org', ['203.0.113.5']).allowed).toBe(true);
    expect(isAllowed(list, 'example.org', ['203.0.113.5']).allowed).toBe(false);
    expect(isAllowed(list, 'evil-example.org', ['203.0.113.5']).allowed).toBe(false);
    expect(isAllowed(list, 'other.example.com', ['203.0.113.5']).allowed).toBe(false);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
  ])('refuses an allowed name that resolves to %s (%s): DNS rebinding', (address, kind) => {
    expect(isAllowed(list, 'mx.example.com', ['203.0.113.5', address])).toEqual({
      allowed: false,
      reason: `mx.example.com resolves to ${address}, a ${kind} address; only a CIDR entry can allow it`,
    });
  });

  it('allows a special address when a CIDR names it explicitly', () => {
    const local = parseAllowList(['127.0.0.0/8', 'localhost']);
    expect(isAllowed(local, 'localhost', ['127.0.0.1']).allowed).toBe(true);
    expect(isAllowed(local, 'localhost', ['127.0.0.1', '::1']).allowed).toBe(false);
  });

  it('requires every resolved address to pass, and at least one', () => {
    expect(isAllowed(list, 'x.example.net', ['192.0.2.1', '198.51.100.1']).allowed).toBe(false);
    expect(isAllowed(list, 'x.example.net', ['192.0.2.1', '2001:db8::1'])).toEqual({
      allowed: true,
      reason: 'every address of x.example.net is in an allowed network',
    });
    expect(isAllowed(list, 'mx.example.com', [])).toEqual({ allowed: false, reason: 'mx.example.com resolved to no address' });
    expect(isAllowed(list, 'mx.example.com', ['not-an-ip'])).toEqual({ allowed: false, reason: '"not-an-ip" is not an IP address' });
  });

  it('allows nothing with an empty list', () => {
    const none = parseAllowList([]);
    expect(isAllowed(none, '192.0.2.1', ['192.0.2.1']).allowed).toBe(false);
    expect(isAllowed(none, 'mx.example.com', ['192.0.2.1']).allowed).toBe(false);
  });

  it('classifies ordinary public and private addresses as not special', () => {
    expect(specialAddressKind('10.1.2.3')).toBeNull();
    expect(specialAddressKind('2001:db8::1')).toBeNull();
  });
});
