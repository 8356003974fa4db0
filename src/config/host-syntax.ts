// Syntax of the host names, addresses and CIDR blocks a config may name. Checked here so that a
// typo is a config error with a line number, not a DNS failure at 3 a.m.
import { isIP, isIPv4 } from 'node:net';
import { AllowListError, parseAllowList } from './probe-allow-list.js';

const LABEL_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** An RFC 1123 host name (underscores tolerated, as real DNS has them); a trailing dot is allowed. */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  // All-numeric dotted names are IPv4 attempts (e.g. 10.0.0.256), not host names.
  return !labels.every((l) => /^\d+$/.test(l));
}

/** What EHLO may carry (RFC 5321 §4.1.3): a domain or an address literal such as [192.0.2.1]. */
export function isHeloName(text: string): boolean {
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1);
    return isIPv4(inner) || (inner.toLowerCase().startsWith('ipv6:') && isIP(inner.slice(5)) === 6);
  }
  return isHostname(text);
}

/** null when `entry` is one the /probe allow list accepts (CIDR, IP, host name, "*.domain"); otherwise why not. */
export function allowEntryProblem(entry: string): string | null {
  try {
    parseAllowList([entry]);
    return null;
  } catch (error) {
    if (error instanceof AllowListError) return `"${entry}" ${error.detail}`;
    throw error;
  }
}
