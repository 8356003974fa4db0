import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { SmtpProtocolError } from '../../src/smtp/errors.js';
import {
  MAX_KEYWORD_LENGTH,
  MAX_MALFORMED_LINE_LENGTH,
  MAX_MALFORMED_LINES,
  parseEhloReply,
} from '../../src/smtp/ehlo-parser.js';
import { DEFAULT_REPLY_LIMITS, ReplyAssembler } from '../../src/smtp/reply-assembler.js';
import type { EhloFacts, Reply } from '../../src/smtp/types.js';

const RUNS = 2000;
const KEYWORD = /^[A-Z0-9][A-Z0-9-]*$/;

interface Sample {
  id: string;
  lines: string[];
}
const samples = JSON.parse(
  readFileSync(new URL('../fixtures/ehlo-samples.json', import.meta.url), 'utf8'),
) as Sample[];

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invariant violated: ${what}`);
}

const isSortedUnique = (list: readonly string[]): boolean => list.every((v, i) => i === 0 || list[i - 1]! < v);

/** What every EhloFacts must satisfy, whatever the server sent. */
function checkFacts(facts: EhloFacts): void {
  const keys = Object.keys(facts.keywords);
  check(isSortedUnique(facts.extensions), 'extensions sorted and unique');
  check(JSON.stringify([...keys].sort()) === JSON.stringify(facts.extensions), 'extensions = keyword map keys');
  for (const keyword of keys) {
    check(KEYWORD.test(keyword) && keyword.length <= MAX_KEYWORD_LENGTH, `keyword ${JSON.stringify(keyword)}`);
  }
  const { size } = facts;
  check(size.limit_bytes === null || (Number.isSafeInteger(size.limit_bytes) && size.limit_bytes > 0), 'size limit');
  check(!size.no_fixed_limit || size.limit_bytes === null, 'SIZE 0 has no limit');
  check(size.advertised === keys.includes('SIZE'), 'size advertised iff SIZE keyword');
  check(size.advertised || (size.limit_bytes === null && !size.no_fixed_limit), 'no SIZE facts without SIZE');
  check(isSortedUnique(facts.auth_mechanisms), 'auth sorted and unique');
  for (const mechanism of facts.auth_mechanisms) check(/^[A-Z0-9_-]{1,20}$/.test(mechanism), `mechanism ${mechanism}`);
  check(facts.auth_mechanisms.length === 0 || keys.includes('AUTH'), 'mechanisms only with AUTH');
  for (const [name, value] of Object.entries(facts.limits)) {
    check(/^[A-Z0-9_-]+$/.test(name) && Number.isSafeInteger(value) && value >= 0, `limit ${name}=${value}`);
  }
  check(Object.keys(facts.limits).length === 0 || keys.includes('LIMITS'), 'limits only with LIMITS');
  check(facts.malformed.length <= MAX_MALFORMED_LINES, 'malformed count');
  for (const line of facts.malformed) check(line.length <= MAX_MALFORMED_LINE_LENGTH, 'malformed line length');
}

/** Lines made of EHLO-ish words, odd separators and arbitrary characters. */
const word = fc.oneof(
  fc.constantFrom('SIZE', 'size', 'AUTH', 'AUTH=', 'LIMITS', 'RCPTMAX=', 'MAILMAX=10', '0', '00', '9007199254740993', 'PLAIN', 'login', '-', '=', '8', 'X-'),
  fc.stringMatching(/^[0-9]{1,30}$/),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constant('K'.repeat(MAX_KEYWORD_LENGTH)),
);
const separator = fc.constantFrom('', ' ', '  ', '\t', ' \t ', '=');
const line = fc
  .array(fc.tuple(word, separator), { maxLength: 8, size: 'medium' })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));

describe('parseEhloReply properties', () => {
  it('never throws on arbitrary lines, and its facts keep every invariant', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        checkFacts(parseEhloReply({ code: 250, lines }));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps at most the malformed bound however many bad lines arrive', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 60, maxLength: 120 }), (lines) => {
        checkFacts(parseEhloReply({ code: 250, lines: ['mx', ...lines.map((l) => `?${l}`)] }));
      }),
      { numRuns: 200 },
    );
  });
});

/** One edit of a corpus reply's wire bytes. */
type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate-line'; line: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
);

function mutate(wire: Buffer, edit: Mutation): Buffer {
  const at = (n: number): number => n % (wire.length + 1);
  switch (edit.kind) {
    case 'flip': {
      if (wire.length === 0) return wire;
      const copy = Buffer.from(wire);
      const i = edit.at % copy.length;
      copy[i] = copy[i]! ^ edit.mask;
      return copy;
    }
    case 'insert':
      return Buffer.concat([wire.subarray(0, at(edit.at)), edit.bytes, wire.subarray(at(edit.at))]);
    case 'truncate':
      return wire.subarray(0, at(edit.at));
    case 'duplicate-line': {
      const lines = wire.toString('latin1').split(/(?<=\n)/);
      const i = edit.line % Math.max(lines.length, 1);
      lines.splice(i, 0, lines[i] ?? '');
      return Buffer.from(lines.join(''), 'latin1');
    }
  }
}

describe('corpus replies, mutated', () => {
  it('frame with only SmtpProtocolError and within bounds, and every framed reply parses within the invariants', () => {
    const sample = fc.constantFrom(...samples);
    fc.assert(
      fc.property(sample, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 64 }), (s, edits, chunkSize) => {
        const wire = edits.reduce(mutate, Buffer.from(s.lines.join('\r\n') + '\r\n', 'utf8'));
        const assembler = new ReplyAssembler();
        const replies: Reply[] = [];
        try {
          for (let i = 0; i < wire.length; i += chunkSize) {
            replies.push(...assembler.push(wire.subarray(i, i + chunkSize)));
            check(assembler.pendingBytes <= DEFAULT_REPLY_LIMITS.maxReplyBytes, 'pendingBytes');
          }
        } catch (err) {
          if (!(err instanceof SmtpProtocolError)) throw err;
        }
        for (const reply of replies) checkFacts(parseEhloReply(reply));
      }),
      { numRuns: RUNS },
    );
  });
});
