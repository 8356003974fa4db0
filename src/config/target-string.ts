// The target strings a config may hold: `host`, `host:port`, `ipv4:port`, `[ipv6]:port`, `[ipv6]`.
// Brackets are required around IPv6, as in URLs, because `2001:db8::25` cannot say where a port starts.
import { isIP, isIPv4 } from 'node:net';
import { isHostname } from './host-syntax.js';

export type TargetStringResult =
  | { ok: true; host: string; port: number }
  | { ok: false; message: string };

export function parseTargetString(input: string, defaultPort: number): TargetStringResult {
  const bad = (why: string): TargetStringResult => ({ ok: false, message: `bad target "${input}": ${why}` });
  let host: string;
  let portText: string | null;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close === -1) return bad('missing "]" after the IPv6 address');
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return bad('expected ":port" after "]"');
    portText = rest === '' ? null : rest.slice(1);
    if (isIP(host) !== 6) return bad(`"${host}" in brackets is not an IPv6 address`);
  } else {
    const colons = input.split(':').length - 1;
    if (colons > 1) {
      return isIP(input) === 6
        ? bad(`write an IPv6 address in brackets, e.g. "[${input}]:${defaultPort}"`)
        : bad('too many ":"');
    }
    const colon = input.indexOf(':');
    host = colon === -1 ? input : input.slice(0, colon);
    portText = colon === -1 ? null : input.slice(colon + 1);
    if (host === '') return bad('the host is empty');
    if (!isIPv4(host) && !isHostname(host)) return bad(`"${host}" is not a valid host name or IPv4 address`);
  }
  if (portText === null) return { ok: true, host, port: defaultPort };
  if (!/^\d+$/.test(portText)) return bad(`the port must be a number, got "${portText}"`);
  const port = Number(portText);
  if (port < 1 || port > 65535) return { ok: false, message: `port must be 1–65535, got ${portText}` };
  return { ok: true, host, port };
}
