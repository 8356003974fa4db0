// Label values that come from a remote server are untrusted: these checks keep every label set
// bounded (grammar, length, per-target count) so a hostile server cannot explode the series count.
// The grammars themselves are smtp/grammar.ts's; a label takes only the upper-cased form the parser stores.
import { isEhloKeyword, isLimitName as isLimitNameSyntax } from '../smtp/grammar.js';
import { stableBanner } from '../state/stable-banner.js';

export { isSaslMechanism } from '../smtp/grammar.js';

/** Distinct extension keywords labelled per target and TLS side; beyond it they are only counted. */
export const MAX_EXTENSIONS_PER_SIDE = 100;
/** Mechanisms and limits have no counter of their own: beyond these caps they are dropped. */
export const MAX_AUTH_MECHANISMS_PER_SIDE = 50;
export const MAX_LIMITS_PER_SIDE = 20;
/** The banner label keeps the first line only, cut to this many characters. */
export const MAX_BANNER_LENGTH = 128;
/** TLS version and cipher names come from OpenSSL, but the cap costs nothing. */
export const MAX_TLS_NAME_LENGTH = 64;

const upperCase = (text: string): boolean => text === text.toUpperCase();

export function isExtensionKeyword(keyword: string): boolean {
  return isEhloKeyword(keyword) && upperCase(keyword);
}

export function isLimitName(name: string): boolean {
  return isLimitNameSyntax(name) && upperCase(name);
}

// C0 controls and DEL: legal in a label value once escaped, but useless to a reader and a way to
// smuggle terminal escapes into whoever looks at the exposition.
const CONTROL_CHARS = /[\x00-\x1f\x7f]/g;

/** Cuts a label value to `max` UTF-16 units without leaving half a surrogate pair. */
export function truncateLabel(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = value.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * The banner label: first line only, without what changes between sessions (stableBanner),
 * control characters replaced, bounded length.
 */
export function bannerLabel(firstLine: string): string {
  const line = firstLine.split(/\r|\n/, 1)[0] ?? '';
  return truncateLabel(stableBanner(line.replace(CONTROL_CHARS, '?')), MAX_BANNER_LENGTH);
}

/** Labels built from a short free-form name (TLS version, cipher): controls replaced, capped. */
export function shortLabel(value: string | null): string {
  if (value === null) return '';
  return truncateLabel(value.replace(CONTROL_CHARS, '?'), MAX_TLS_NAME_LENGTH);
}
