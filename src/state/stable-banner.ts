// A server's line without what changes from one session to the next: the smtp_banner_info label,
// and how the transcript history tells a new transcript from a repeat. Exchange, Exim, Sendmail, Zoho
// and others print the current time in their greeting, Gmail and SES a session id; kept as is, each
// probe of an unchanged server would start a new series (and store a "new" transcript). Host name,
// product and version stay; the full line stays in the transcript and the API.

const DAY = '(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\\b';
const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t|tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\b\\.?';
/**
 * "+0000", "-07:00", "Z", "UTC", "GMT", "PDT", "CEST", "(UTC)", "+0000 (UTC)". Named zones are the
 * ones ending in ST/DT plus a short list, so a word after the time ("13:24:04 ESMTP") is not eaten.
 */
const ZONE =
  '(?:\\s*(?:[+-]\\d{2}:?\\d{2}|Z|UTC?|GMT|[A-Z]{1,3}[SD]T|[CEW]ET|MSK)\\b)?(?:\\s*\\([A-Za-z +:0-9-]{1,24}\\))?';
const TIME = `\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:\\s*[AaPp]\\.?[Mm]\\.?)?${ZONE}`;

/**
 * Date and time spans real MTAs print, longest forms first. Each is anchored on something a
 * product name or version never has (a month or day name, a colon-separated time, a 4-digit year
 * between dashes), so "Exim 4.96" or "Version: 6.0.3790.4675" are never taken for a date.
 */
const DATE_PATTERNS: readonly RegExp[] = [
  // US style (Zoho), first so "Debian-22 October 9, 2026" keeps its "22": "April 18, 2024 6:40:27 AM PDT", "Dec 2, 2026, 13:24".
  new RegExp(`(?:${DAY},?\\s+)?${MONTH}\\s+\\d{1,2},?\\s+\\d{4}(?:,?\\s+(?:at\\s+)?${TIME})?`, 'g'),
  // RFC 5322 (Exim, Sendmail, Exchange): "Wed, 02 Dec 2026 13:24:04 +0000", weekday and time optional.
  new RegExp(`(?:${DAY},?\\s+)?(?<![\\d.:])\\d{1,2}[\\s-]+${MONTH}[\\s-]+(?:\\d{4}|\\d{2})(?![\\d:])(?:,?\\s+${TIME})?`, 'g'),
  // ctime (asctime, qmail, Courier): "Wed Dec  2 13:24:04 2026", "Wed Dec 2 13:24:04 UTC 2026".
  new RegExp(`(?:${DAY},?\\s+)?${MONTH}\\s+\\d{1,2}\\s+${TIME}\\s+\\d{4}`, 'g'),
  // ISO 8601 / RFC 3339, extended and basic: "2026-12-02T13:24:04.123Z", "2026-12-02 13:24:04", "20261202T132404Z".
  new RegExp(`\\b\\d{4}-\\d{2}-\\d{2}(?:[T\\s]${TIME})?`, 'g'),
  /\b\d{8}T\d{4,6}(?:[.,]\d+)?(?:Z|[+-]\d{4})?\b/g,
  // Numeric dates: "12/02/2026", "02.12.2026" (not inside a dotted version number).
  /(?<![\d.])\d{1,2}[/.]\d{1,2}[/.]\d{4}(?![\d.])/g,
  // A time on its own, after the date patterns had their chance to take it with its date.
  new RegExp(`(?<![\\d.:])${TIME}`, 'g'),
];

/** A token that names a host ("mx1.example.com", "ismtpd0002p1sjc2.sendgrid.net"): kept whatever its labels look like. */
const HOST_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Punctuation around a token that is not part of it: "(Debian)", "[192.0.2.1]", "id=…;". */
const WRAPPING = /^[([{<"'`]+|[)\]}>"'`,;:.!]+$/g;

/**
 * One run of letters and digits that reads as generated rather than written: a unix timestamp or
 * a counter (5+ digits in a row: a 4-digit build number like "3790" is not one), a hex id of 8+
 * characters ("08DD0A7B0A2F1E8C", "391ef55d98cd"), or letters and digits mixed many times over
 * ("r61si735760yhm", "NUJ3K8OT2"). Words and versions ("ESMTP", "Exim", "4", "88") are not.
 */
function isGeneratedRun(run: string): boolean {
  if (/\d{5}/.test(run)) return true;
  const hasDigit = /\d/.test(run);
  if (!hasDigit || !/[A-Za-z]/.test(run)) return false;
  if (run.length >= 8 && /^[0-9a-fA-F]+$/.test(run)) return true;
  const switches = run.match(/\d+|[A-Za-z]+/g)!.length - 1;
  return run.length >= 6 && switches >= 3;
}

/** Session and queue ids, counters and timestamps as whole tokens; host names and addresses are kept. */
function isVolatileToken(token: string): boolean {
  const core = token.replace(WRAPPING, '');
  if (HOST_NAME.test(core) || DOTTED_QUAD.test(core)) return false;
  return (core.match(/[A-Za-z0-9]+/g) ?? []).some(isGeneratedRun);
}

/**
 * The greeting's first line with dates, times, session and queue ids and counters taken out and
 * whitespace collapsed; separators left dangling by the removal (";", ",", ":", "-") are trimmed at the
 * end. Pure and deterministic: the same server software on the same host gives the same value at
 * any time, in any session.
 */
export function stableBanner(line: string): string {
  let text = line;
  for (const pattern of DATE_PATTERNS) text = text.replace(pattern, ' ');
  const kept = text.split(/\s+/).filter((t) => t !== '' && !isVolatileToken(t));
  return kept
    .join(' ')
    .replace(/\(\s*\)|\[\s*\]/g, '')
    .replace(/(?:\s*[;,:\-–]+)+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
