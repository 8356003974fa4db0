import type os from 'node:os';
import { describe, expect, test } from 'vitest';
import { defaultHeloName } from '../../src/probe/probe-options.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

function iface(address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

const lan: Interfaces = { lo: [iface('127.0.0.1', 'IPv4', true)], eth0: [iface('fe80::1', 'IPv6'), iface('192.0.2.7', 'IPv4')] };

describe('defaultHeloName', () => {
  test('uses the hostname when it is a fully qualified name', () => {
    expect(defaultHeloName('Prober.Example.NET.', lan)).toBe('prober.example.net');
  });

  test('a dotless hostname falls back to the address literal of a local interface (RFC 5321 §4.1.4)', () => {
    expect(defaultHeloName('prober', lan)).toBe('[192.0.2.7]');
  });

  test('IPv6-only hosts get a tagged IPv6 literal, never a link-local one', () => {
    const v6: Interfaces = { eth0: [iface('fe80::1', 'IPv6'), iface('2001:db8::7', 'IPv6')] };
    expect(defaultHeloName('prober', v6)).toBe('[IPv6:2001:db8::7]');
  });

  test('with no usable interface, an FQDN-shaped name', () => {
    expect(defaultHeloName('prober', { lo: [iface('127.0.0.1', 'IPv4', true)] })).toBe('localhost.localdomain');
  });

  test('works on this machine', () => {
    expect(defaultHeloName()).toMatch(/\.|^\[/);
  });
});
