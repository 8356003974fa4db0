// The parameters of the EHLO keywords the exporter interprets: SIZE (RFC 1870), AUTH (RFC 4954),
// LIMITS (RFC 9422). Each has a check for one advertised line (to report malformed lines) and a
// derivation from the merged keyword map (STYLE: answer every question from the map).
import { isLimitName, isSaslMechanism } from './grammar.js';
import type { SizeFacts } from './types.js';

/**
 * RFC 1870: `SIZE [size-param]`, size-param = 1*DIGIT. "0" means no fixed maximum; no parameter
 * conveys no information about the limit (it is not "unlimited").
 */
export function sizeParamsValid(params: readonly string[]): boolean {
  return params.length === 0 || (params.length === 1 && parseDecimal(params[0]!) !== null);
}

export function sizeFacts(params: readonly string[] | undefined): SizeFacts {
  if (params === undefined) return { advertised: false, limit_bytes: null, no_fixed_limit: false };
  const first = params[0];
  const value = first === undefined ? null : parseDecimal(first);
  return {
    advertised: true,
    limit_bytes: value !== null && value > 0 ? value : null,
    no_fixed_limit: value === 0,
  };
}

/** RFC 4954 takes mechanism names from SASL (see grammar.ts); matched case-insensitively, as servers send `login`. */
export function authParamsValid(params: readonly string[]): boolean {
  return params.every(isMechanism);
}

/** Upper-cased, unique, sorted mechanisms; names outside the sasl-mech grammar are left out. */
export function authMechanisms(params: readonly string[] | undefined): string[] {
  if (params === undefined) return [];
  const names = new Set<string>();
  for (const param of params) if (isMechanism(param)) names.add(param.toUpperCase());
  return [...names].sort();
}

function isMechanism(name: string): boolean {
  return isSaslMechanism(name.toUpperCase());
}

/**
 * RFC 9422:
 *   limits-param     = limit-name-value 0*[SP limit-name-value]
 *   limit-name-value = limit-name ["=" limit-value]
 *   limit-name       = 1*(ALPHA / DIGIT / "-" / "_")
 *   limit-value      = 1*(%x21-3A / %x3C-7E) ; Any VCHAR except ";"
 * The registered limits (MAILMAX, RCPTMAX, RCPTDOMAINMAX) take a decimal count. An unknown limit
 * may carry any value; we keep it only when it is a count, since we report numbers.
 */
const REGISTERED_LIMITS: ReadonlySet<string> = new Set(['MAILMAX', 'RCPTMAX', 'RCPTDOMAINMAX']);

export function limitsParamsValid(params: readonly string[]): boolean {
  return params.every((param) => {
    const pair = splitLimit(param);
    if (pair === null) return false;
    if (pair.value === null) return !REGISTERED_LIMITS.has(pair.name);
    if (parseDecimal(pair.value) !== null) return true;
    // All digits but beyond a safe integer: representable by no one downstream.
    if (isDigits(pair.value)) return false;
    return !REGISTERED_LIMITS.has(pair.name);
  });
}

export function limitsFacts(params: readonly string[] | undefined): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const param of params ?? []) {
    const pair = splitLimit(param);
    if (pair === null || pair.value === null) continue;
    const value = parseDecimal(pair.value);
    // First advertisement wins, as for every other merged keyword.
    if (value !== null && !Object.hasOwn(limits, pair.name)) limits[pair.name] = value;
  }
  return limits;
}

/** Upper-cased name and raw value (null when absent), or null when the pair breaks the grammar. */
function splitLimit(param: string): { name: string; value: string | null } | null {
  const eq = param.indexOf('=');
  const name = eq === -1 ? param : param.slice(0, eq);
  if (!isLimitName(name)) return null;
  if (eq === -1) return { name: name.toUpperCase(), value: null };
  const value = param.slice(eq + 1);
  if (value.length === 0) return null;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x3b /* ; */) return null;
  }
  return { name: name.toUpperCase(), value };
}

/** 1*DIGIT as a safe integer (leading zeros allowed), or null. Never builds a float from 10 kB of digits. */
export function parseDecimal(text: string): number | null {
  if (!isDigits(text)) return null;
  let i = 0;
  while (i < text.length - 1 && text.charCodeAt(i) === 0x30) i++;
  const significant = text.length - i;
  if (significant > 16) return null; // MAX_SAFE_INTEGER has 16 digits
  const value = Number(text.slice(i));
  return Number.isSafeInteger(value) ? value : null;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
