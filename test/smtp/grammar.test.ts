// The name grammars (RFC 5321 §4.1.1.1 ehlo-keyword, RFC 4422 §3.1 sasl-mech, RFC 9422 limit-name),
// one table per rule: what each accepts and refuses, at the edges of each character class and length.
import { describe, expect, it } from 'vitest';
import { isEhloKeyword, isLimitName, isSaslMechanism, MAX_KEYWORD_LENGTH } from '../../src/smtp/grammar.js';

describe('isEhloKeyword', () => {
  it.each([
    ['PIPELINING', true],
    ['8BITMIME', true],
    ['8bitmime', true], // keywords are case-insensitive
    ['X-EXPS', true],
    ['K'.repeat(MAX_KEYWORD_LENGTH), true],
    ['K'.repeat(MAX_KEYWORD_LENGTH + 1), false],
    ['-X', false], // must start with a letter or digit
    ['X_FOO', false],
    ['AUTH=LOGIN', false],
    ['', false],
    ['SIZE ', false],
    ['ÄUTH', false],
  ])('%j → %s', (text, expected) => expect(isEhloKeyword(text)).toBe(expected));
});

describe('isSaslMechanism', () => {
  it.each([
    ['PLAIN', true],
    ['SCRAM-SHA-256-PLUS', true],
    ['GSS_API', true],
    ['X'.repeat(20), true],
    ['X'.repeat(21), false], // 1*20mech-char
    ['login', false], // UPPER-ALPHA only; callers upper-case what servers send
    ['', false],
    ['CRAM MD5', false],
    ['CRAM.MD5', false],
  ])('%j → %s', (text, expected) => expect(isSaslMechanism(text)).toBe(expected));
});

describe('isLimitName', () => {
  it.each([
    ['RCPTMAX', true],
    ['rcptdomainmax', true],
    ['X_LIMIT-2', true],
    ['L'.repeat(MAX_KEYWORD_LENGTH), true],
    ['L'.repeat(MAX_KEYWORD_LENGTH + 1), false],
    ['', false],
    ['RCPT;MAX', false],
    ['RCPTMAX=5', false],
  ])('%j → %s', (text, expected) => expect(isLimitName(text)).toBe(expected));
});
