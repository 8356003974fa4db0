// The name grammars of the protocols we read, each written once and used by the parser, the label
// checks and the config reader alike (RFC 5321 §4.1.1.1, RFC 4422 §3.1, RFC 9422 §3).

/**
 * Longer "keywords" are not capabilities but noise; they must not become metric labels. The RFC sets
 * no maximum: this cap is ours.
 */
export const MAX_KEYWORD_LENGTH = 64;

/**
 * RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"), at most
 * MAX_KEYWORD_LENGTH. Keywords are case-insensitive; the parser stores them upper-cased.
 */
const EHLO_KEYWORD = new RegExp(`^[A-Za-z0-9][A-Za-z0-9-]{0,${MAX_KEYWORD_LENGTH - 1}}$`);

export function isEhloKeyword(text: string): boolean {
  return EHLO_KEYWORD.test(text);
}

/**
 * RFC 4422 §3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE.
 * Upper case only, as written; a server that sends `login` is read through toUpperCase() by the
 * caller (RFC 4954 §3 compares mechanism names case-insensitively in practice).
 */
const SASL_MECHANISM = /^[A-Z0-9_-]{1,20}$/;

export function isSaslMechanism(text: string): boolean {
  return SASL_MECHANISM.test(text);
}

/** RFC 9422 §3: limit-name = 1*(ALPHA / DIGIT / "-" / "_"), capped like a keyword. */
const LIMIT_NAME = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_KEYWORD_LENGTH}}$`);

export function isLimitName(text: string): boolean {
  return LIMIT_NAME.test(text);
}
