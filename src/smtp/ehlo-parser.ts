// RFC 5321 §4.1.1.1 EHLO reply parsing (with RFC 1869 keywords, RFC 1870 SIZE, RFC 4954 AUTH, RFC 9422 LIMITS).
//
//   ehlo-ok-rsp  = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
//                / ( "250-" Domain [ SP ehlo-greet ] CRLF
//                    *( "250-" ehlo-line CRLF )
//                    "250" SP ehlo-line CRLF )
//   ehlo-greet   = 1*(%d0-9 / %d11-12 / %d14-127)
//   ehlo-line    = ehlo-keyword *( SP ehlo-param )
//   ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
//   ehlo-param   = 1*(%d33-126)   ; any CHAR excluding SP and all control characters
//
// Deliberate leniencies, each seen on real servers: runs of SP/HT and trailing spaces separate
// parameters (Exim, Exchange); keywords are case-insensitive (the RFC says so; Exchange 2003
// sends `8bitmime`); `KEYWORD=value` is the pre-RFC 2554 form (`AUTH=LOGIN PLAIN`) and means
// `KEYWORD value`. Nothing here throws: a line we cannot read goes to `malformed`.
import {
  authMechanisms,
  authParamsValid,
  limitsFacts,
  limitsParamsValid,
  sizeFacts,
  sizeParamsValid,
} from './ehlo-extension-facts.js';
import { isEhloKeyword } from './grammar.js';
import type { EhloFacts, Reply } from './types.js';

export { MAX_KEYWORD_LENGTH } from './grammar.js';
/** How many malformed lines are kept, and how many characters of each. */
export const MAX_MALFORMED_LINES = 50;
export const MAX_MALFORMED_LINE_LENGTH = 200;
/** RFC 1035: a domain name has at most 255 octets; a longer first word is not one. */
const MAX_DOMAIN_LENGTH = 255;


/** Per keyword, the check of one line's parameters beyond the ehlo-param grammar. */
const PARAM_CHECKS: Readonly<Record<string, (params: readonly string[]) => boolean>> = {
  SIZE: sizeParamsValid,
  AUTH: authParamsValid,
  LIMITS: limitsParamsValid,
};

/** Parses a whole EHLO reply: reply.lines[0] is the greeting line (domain + text), the rest are ehlo-lines. */
export function parseEhloReply(reply: Reply): EhloFacts {
  const lines = reply.lines;
  const malformed: string[] = [];
  // Keys are [A-Z0-9-] only (see parseEhloLine), so no key can reach Object.prototype.
  const keywords: Record<string, string[]> = {};
  // "KEYWORD param" pairs already kept: merging stays linear even for a hostile 64 KiB reply.
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const parsed = parseEhloLine(line);
    const check = parsed === null ? undefined : PARAM_CHECKS[parsed.keyword];
    if (parsed === null || !parsed.wellFormed || (check !== undefined && !check(parsed.params))) {
      if (malformed.length < MAX_MALFORMED_LINES) malformed.push(line.slice(0, MAX_MALFORMED_LINE_LENGTH));
    }
    if (parsed === null) continue;
    const params = (keywords[parsed.keyword] ??= []);
    for (const param of parsed.params) {
      const key = `${parsed.keyword} ${param}`;
      if (!seen.has(key)) {
        seen.add(key);
        params.push(param);
      }
    }
  }

  return {
    domain: firstWord(lines[0] ?? ''),
    keywords,
    extensions: Object.keys(keywords).sort(),
    size: sizeFacts(keywords['SIZE']),
    auth_mechanisms: authMechanisms(keywords['AUTH']),
    limits: limitsFacts(keywords['LIMITS']),
    malformed,
  };
}

interface EhloLine {
  /** Upper-cased. */
  keyword: string;
  params: string[];
  /** False when the line was readable only through a leniency the grammar does not grant. */
  wellFormed: boolean;
}

/**
 * One ehlo-line, or null when no keyword can be read from it. The keyword is the first word, or
 * what comes before `=` in it (old-style `AUTH=LOGIN`); when that is not an ehlo-keyword (empty,
 * another character, longer than MAX_KEYWORD_LENGTH) the line is unreadable, since guessing a
 * keyword from a fragment (`X_FOO` → `X`) would invent one.
 */
function parseEhloLine(line: string): EhloLine | null {
  const words = splitWords(line);
  const first = words[0];
  if (first === undefined) return null;
  const eq = first.indexOf('=');
  const keyword = eq === -1 ? first : first.slice(0, eq);
  if (!isEhloKeyword(keyword)) return null;
  const params = words.slice(1);
  const value = eq === -1 ? '' : first.slice(eq + 1);
  if (value.length > 0) params.unshift(value);
  return { keyword: keyword.toUpperCase(), params, wellFormed: params.every(isEhloParam) };
}

/** Up to `max` words separated by runs of SP or HT; leading and trailing blanks ignored. */
function splitWords(text: string, max = Infinity): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length && words.length < max; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    const blank = c === 0x20 || c === 0x09;
    if (blank && start !== -1) {
      words.push(text.slice(start, i));
      start = -1;
    } else if (!blank && start === -1) {
      start = i;
    }
  }
  return words;
}

/** ehlo-param = 1*(%d33-126) */
function isEhloParam(param: string): boolean {
  for (let i = 0; i < param.length; i++) {
    const c = param.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return param.length > 0;
}

/** Best effort only: many servers put a product name or the client's name first (see the corpus). */
function firstWord(greeting: string): string | null {
  const word = splitWords(greeting, 1)[0];
  return word !== undefined && word.length <= MAX_DOMAIN_LENGTH ? word : null;
}
