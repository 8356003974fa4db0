// Parsing what a person types as a target: "host", "host:587", "192.0.2.1:25", "[2001:db8::1]:25".
// IPv6 literals need brackets because "2001:db8::1:25" could be an address or an address and a port.
import net from 'node:net';
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
    host = text.slice(1, close);
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
  }
  const port = portText === null ? defaultPort : parsePort(input, portText);
  const target = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  return { target, host, port };
}

function checkHostName(input: string, host: string): string {
  const name = host.toLowerCase();
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = bare.split('.');
  // An all-numeric name that is not a valid IPv4 address (e.g. "300.1.1.1") is a typo, not a host.
  const numeric = labels.every((l) => /^\d+$/.test(l));
  if (bare === '' || bare.length > 253 || numeric || !labels.every((l) => LABEL.test(l))) {
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
