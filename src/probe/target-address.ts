// Parsing what a person types as a target: "host", "host:587", "192.0.2.1:25", "[2001:db8::1]:25".
// IPv6 literals need brackets because "2001:db8::1:25" could be an address or an address and a port.
import net from 'node:net';
import { domainToASCII } from 'node:url';
import { ProbeInputError } from './probe-input-error.js';

export interface TargetAddress {
  /** Normalised "host:port" or "[v6]:port": the target label. */
  target: string;
  /** Host name (lower-cased) or IP address, without brackets. */
  host: string;
  port: number;
  /** An address already resolved for `host` (by discovery or --dns-server): dialled instead of
   *  resolving `host`, while TLS still names `host`, as a sending MTA does after its MX lookup. */
  dial?: string;
}

/** RFC 1123 §2.1 labels; underscores tolerated because real MX hosts carry them. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

export function parseTargetAddress(input: string, defaultPort = 25): TargetAddress {
  const text = input.trim();
  if (text === '') throw new ProbeInputError('ERR_TARGET_EMPTY', 'target is empty; expected host, host:port or [IPv6]:port');
  let host: string;
  let portText: string | null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": "[" without a closing "]"`);
    // RFC 6874: in a URL-style literal the zone's "%" is written "%25" (fe80::1%25eth0 is zone eth0).
    host = text.slice(1, close).replace(/%25(?=[^%]*$)/, '%');
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": expected ":port" after "]"`);
    portText = rest === '' ? null : rest.slice(1);
    if (net.isIPv6(host) === false) throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": "${host}" is not an IPv6 address`);
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) {
      throw new ProbeInputError('ERR_TARGET_IPV6_BRACKETS', `target "${input}": write IPv6 addresses in brackets, e.g. [2001:db8::1]:25`);
    }
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? null : text.slice(colon + 1);
    if (net.isIPv4(host) === false) host = checkHostName(input, host);
    // "localhost." and "localhost" are one host: the trailing dot only says the name is absolute.
    if (host.endsWith('.')) host = host.slice(0, -1);
  }
  const port = portText === null ? defaultPort : parsePort(input, portText);
  const target = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  return { target, host, port };
}

/** Labels of the forms inet_aton reads as numbers (0x7f, 0177, 2130706433): an address attempt, not a name. */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|\d+)$/i;

function checkHostName(input: string, host: string): string {
  let name = host.toLowerCase();
  if (/[^\x00-\x7f]/.test(name)) {
    // An internationalised name: DNS knows it only by its A-labels (xn--…).
    const ascii = domainToASCII(name);
    if (ascii === '') throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": "${host}" is not a valid internationalised domain name; write it in punycode (xn--…)`);
    name = ascii;
  }
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = bare.split('.');
  // Every IPv4 spelling but the canonical dotted quad (127.1, 0177.0.0.1, 0x7f.1, 2130706433) is
  // refused alike: resolvers disagree on what they mean.
  if (bare !== '' && labels.every((l) => NUMERIC_LABEL.test(l))) {
    throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": "${host}" is not a canonical IPv4 address; write four decimal numbers such as 192.0.2.1`);
  }
  if (bare === '' || bare.length > 253 || !labels.every((l) => LABEL.test(l))) {
    throw new ProbeInputError('ERR_TARGET_HOST', `target "${input}": "${host}" is not a valid host name or IP address`);
  }
  return name;
}

function parsePort(input: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ProbeInputError('ERR_TARGET_PORT', `target "${input}": port must be a number from 1 to 65535, got "${text}"`);
  }
  return port;
}
