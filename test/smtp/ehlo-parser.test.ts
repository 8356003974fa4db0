import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_KEYWORD_LENGTH,
  MAX_MALFORMED_LINE_LENGTH,
  MAX_MALFORMED_LINES,
  parseEhloReply,
} from '../../src/smtp/ehlo-parser.js';
import { ReplyAssembler } from '../../src/smtp/reply-assembler.js';
import type { EhloFacts, Reply, SizeFacts } from '../../src/smtp/types.js';

interface Sample {
  id: string;
  phase: 'banner' | 'ehlo' | 'ehlo_after_starttls' | 'helo';
  lines: string[];
  expected: { size: number | 'no-limit' | null; extensions: string[]; auth: string[] };
}
const samples = JSON.parse(
  readFileSync(new URL('../fixtures/ehlo-samples.json', import.meta.url), 'utf8'),
) as Sample[];

/** Frames the sample's lines the way a socket would deliver them. */
function frame(sample: Sample): Reply[] {
  return new ReplyAssembler().push(Buffer.from(sample.lines.join('\r\n') + '\r\n', 'utf8'));
}

/** The corpus README's `size` in our SizeFacts terms. */
function expectedSize(sample: Sample): SizeFacts {
  const { size, extensions } = sample.expected;
  return {
    advertised: extensions.includes('SIZE'),
    limit_bytes: typeof size === 'number' ? size : null,
    no_fixed_limit: size === 'no-limit',
  };
}

/** An EHLO reply from its ehlo-lines (greeting line first). */
function ehlo(...lines: string[]): EhloFacts {
  return parseEhloReply({ code: 250, lines });
}

describe('the corpus', () => {
  it('has entries of every phase', () => {
    const phases = new Set(samples.map((s) => s.phase));
    expect([...phases].sort()).toEqual(['banner', 'ehlo', 'ehlo_after_starttls', 'helo']);
  });

  for (const sample of samples) {
    if (sample.phase === 'ehlo' || sample.phase === 'ehlo_after_starttls') {
      it(`${sample.id}: frames to one 250 reply and parses to the expected SIZE, extensions and AUTH`, () => {
        const replies = frame(sample);
        expect(replies).toHaveLength(1);
        const reply = replies[0]!;
        expect(reply.code).toBe(250);
        const facts = parseEhloReply(reply);
        expect(facts.size).toEqual(expectedSize(sample));
        // The corpus lists keywords and mechanisms in first-seen / server order; ours are sorted.
        expect(facts.extensions).toEqual([...sample.expected.extensions].sort());
        expect(Object.keys(facts.keywords).sort()).toEqual([...sample.expected.extensions].sort());
        expect(facts.auth_mechanisms).toEqual([...new Set(sample.expected.auth)].sort());
        expect(facts.malformed).toEqual([]);
        expect(facts.domain).toBe(sample.lines[0]!.slice(4).split(' ')[0]);
      });
    } else {
      it(`${sample.id}: frames to one ${sample.phase} reply with its lines, and expects no extensions`, () => {
        const replies = frame(sample);
        expect(replies).toEqual([
          { code: Number(sample.lines[0]!.slice(0, 3)), lines: sample.lines.map((line) => line.slice(4)) },
        ]);
        // Banners carry no capabilities, and after HELO no service extension is in effect (RFC 5321 §3.2).
        expect(sample.expected).toEqual({ size: null, extensions: [], auth: [] });
      });
    }
  }

  it('reads the lenient list from the HELO reply Courier wrongly sent in EHLO form', () => {
    const courier = samples.find((s) => s.id === 'courier-25-helo-multiline')!;
    const facts = parseEhloReply(frame(courier)[0]!);
    expect(facts.extensions).toEqual(
      ['SIZE', 'STARTTLS', 'PIPELINING', '8BITMIME', 'DSN', 'XCOURIEREXTENSIONS', 'XVERP', 'XEXDATA', 'XSECURITY'].sort(),
    );
    expect(facts.keywords['XVERP']).toEqual(['Courier']);
    expect(facts.keywords['XSECURITY']).toEqual(['NONE,STARTTLS']);
    expect(facts.size).toEqual({ advertised: true, limit_bytes: null, no_fixed_limit: false });
  });

  it('keeps the details the corpus notes call out', () => {
    const byId = (id: string): EhloFacts => parseEhloReply(frame(samples.find((s) => s.id === id)!)[0]!);
    expect(byId('yahoo-submission-ehlo').keywords['8']).toEqual(['BITMIME']);
    expect(byId('maddy-587-ehlo').limits).toEqual({ RCPTMAX: 20000 });
    expect(byId('maddy-587-ehlo').domain).toBe('Hello');
    expect(byId('exchange-mailkit151-ehlo-bare-auth').keywords['AUTH']).toEqual([]);
    expect(byId('apache-james-ehlo').keywords['AUTH']).toEqual(['OAUTHBEARER', 'XOAUTH2']);
    expect(byId('exchange-2013-kb2866822-ehlo').keywords['X-EXPS']).toEqual(['GSSAPI', 'NTLM']);
    expect(byId('ses-25-ehlo').keywords['OK']).toEqual([]);
  });
});

describe('parseEhloReply: greeting line', () => {
  it('takes the first word of the first line as the domain, never as a capability', () => {
    const facts = ehlo('mx.example.com Hello client [192.0.2.1]', 'PIPELINING');
    expect(facts.domain).toBe('mx.example.com');
    expect(facts.extensions).toEqual(['PIPELINING']);
  });

  it('parses a one-line reply as success with no extensions (RFC 5321 App. D.3)', () => {
    expect(ehlo('xyz.com is on the air')).toMatchObject({ domain: 'xyz.com', extensions: [], keywords: {}, malformed: [] });
  });

  it('gives domain null for an empty reply, an empty first line, or a first word too long to be a domain', () => {
    expect(parseEhloReply({ code: 250, lines: [] }).domain).toBeNull();
    expect(ehlo('   ').domain).toBeNull();
    expect(ehlo('a'.repeat(256)).domain).toBeNull();
    expect(ehlo('a'.repeat(255)).domain).toBe('a'.repeat(255));
  });
});

describe('parseEhloReply: keywords', () => {
  it('upper-cases keywords and splits parameters on runs of spaces and tabs, ignoring trailing blanks', () => {
    const facts = ehlo('mx', '8bitmime ', 'xclient  NAME\tADDR \t PROTO  ', 'Size\t1000');
    expect(facts.keywords).toEqual({ '8BITMIME': [], XCLIENT: ['NAME', 'ADDR', 'PROTO'], SIZE: ['1000'] });
    expect(facts.malformed).toEqual([]);
  });

  it('merges duplicate keywords, unioning parameters in first-seen order', () => {
    const facts = ehlo('mx', 'XCLIENT NAME ADDR NAME', 'PIPELINING', 'xclient ADDR PORT', 'PIPELINING');
    expect(facts.keywords).toEqual({ XCLIENT: ['NAME', 'ADDR', 'PORT'], PIPELINING: [] });
    expect(facts.extensions).toEqual(['PIPELINING', 'XCLIENT']);
  });

  it('merges a reply of thousands of AUTH lines into one list without repeats', () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `AUTH M${i % 1000} M${(i * 7) % 1000}`);
    const facts = ehlo('mx', ...lines);
    expect(facts.keywords['AUTH']).toHaveLength(1000);
    expect(facts.auth_mechanisms).toHaveLength(1000);
  });

  it('reads `KEYWORD=value` (old-style) as `KEYWORD value`', () => {
    expect(ehlo('mx', 'X-EXPS=LOGIN', 'XVERP=Courier', 'AUTH=').keywords).toEqual({
      'X-EXPS': ['LOGIN'],
      XVERP: ['Courier'],
      AUTH: [],
    });
  });

  it('keeps unknown keywords, and reads `8 BITMIME` as keyword 8 with a parameter', () => {
    expect(ehlo('mx', 'PIPECONNECT', 'X-FUTURE-THING a b', '8 BITMIME').keywords).toEqual({
      PIPECONNECT: [],
      'X-FUTURE-THING': ['a', 'b'],
      '8': ['BITMIME'],
    });
  });

  it('records unreadable lines in malformed and invents no keyword from them', () => {
    const lines = ['', '   ', '-FOO', '?????', 'X_FOO bar', 'FOO.BAR', 'ÄUTH PLAIN'];
    const facts = ehlo('mx', ...lines);
    expect(facts.extensions).toEqual([]);
    expect(facts.malformed).toEqual(lines);
  });

  it(`accepts a keyword of ${MAX_KEYWORD_LENGTH} characters and refuses a longer one`, () => {
    const longest = 'K'.repeat(MAX_KEYWORD_LENGTH);
    expect(ehlo('mx', longest).extensions).toEqual([longest]);
    const tooLong = ehlo('mx', longest + 'K', 'HELP');
    expect(tooLong.extensions).toEqual(['HELP']);
    expect(tooLong.malformed).toEqual([longest + 'K']);
  });

  it('keeps a keyword whose parameters break the ehlo-param grammar, and records the line', () => {
    const facts = ehlo('mx', 'XFOO caf\u00e9 \u0001');
    expect(facts.keywords).toEqual({ XFOO: ['caf\u00e9', '\u0001'] });
    expect(facts.malformed).toEqual(['XFOO caf\u00e9 \u0001']);
  });

  it(`keeps at most ${MAX_MALFORMED_LINES} malformed lines of at most ${MAX_MALFORMED_LINE_LENGTH} characters`, () => {
    const bad = Array.from({ length: 300 }, (_, i) => `?${i} ${'x'.repeat(1000)}`);
    const facts = ehlo('mx', ...bad, 'HELP');
    expect(facts.malformed).toHaveLength(MAX_MALFORMED_LINES);
    expect(facts.malformed[0]).toBe(bad[0]!.slice(0, MAX_MALFORMED_LINE_LENGTH));
    for (const line of facts.malformed) expect(line.length).toBeLessThanOrEqual(MAX_MALFORMED_LINE_LENGTH);
    expect(facts.extensions).toEqual(['HELP']);
  });
});

describe('parseEhloReply: SIZE (RFC 1870)', () => {
  const size = (...lines: string[]): EhloFacts => ehlo('mx', ...lines);

  it.each([
    ['SIZE 35882577', { advertised: true, limit_bytes: 35882577, no_fixed_limit: false }],
    ['SIZE 0', { advertised: true, limit_bytes: null, no_fixed_limit: true }],
    ['SIZE 000', { advertised: true, limit_bytes: null, no_fixed_limit: true }],
    ['SIZE', { advertised: true, limit_bytes: null, no_fixed_limit: false }],
    ['SIZE 0010240000', { advertised: true, limit_bytes: 10240000, no_fixed_limit: false }],
    ['SIZE 9007199254740991', { advertised: true, limit_bytes: Number.MAX_SAFE_INTEGER, no_fixed_limit: false }],
  ])('%s', (line, expected) => {
    const facts = size(line);
    expect(facts.size).toEqual(expected);
    expect(facts.malformed).toEqual([]);
  });

  it.each(['SIZE 9007199254740992', 'SIZE 99999999999999999999999999', 'SIZE unlimited', 'SIZE -1', 'SIZE 10MB', 'SIZE +5', 'SIZE 1e6'])(
    '%s: advertised, no limit known, line recorded as malformed',
    (line) => {
      const facts = size(line);
      expect(facts.size).toEqual({ advertised: true, limit_bytes: null, no_fixed_limit: false });
      expect(facts.malformed).toEqual([line]);
    },
  );

  it('takes the first value when SIZE carries two, and records the line', () => {
    const facts = size('SIZE 1000 2000');
    expect(facts.size.limit_bytes).toBe(1000);
    expect(facts.malformed).toEqual(['SIZE 1000 2000']);
  });

  it('reports SIZE as not advertised when absent', () => {
    expect(size('PIPELINING').size).toEqual({ advertised: false, limit_bytes: null, no_fixed_limit: false });
  });

  it('does not take a number on its own line for a SIZE value (nginx mail proxy bug)', () => {
    const facts = size('SIZE', '50000000');
    expect(facts.size).toEqual({ advertised: true, limit_bytes: null, no_fixed_limit: false });
    expect(facts.extensions).toEqual(['50000000', 'SIZE']);
  });
});

describe('parseEhloReply: AUTH (RFC 4954)', () => {
  it('merges old-style AUTH= with AUTH, upper-cases, de-duplicates and sorts mechanisms', () => {
    const facts = ehlo('mx', 'AUTH=LOGIN PLAIN', 'AUTH plain CRAM-MD5 login', 'AUTH XOAUTH2');
    expect(facts.auth_mechanisms).toEqual(['CRAM-MD5', 'LOGIN', 'PLAIN', 'XOAUTH2']);
    expect(facts.extensions).toEqual(['AUTH']);
    expect(facts.malformed).toEqual([]);
  });

  it('gives no mechanisms for a bare AUTH, and leaves out names outside the SASL grammar', () => {
    expect(ehlo('mx', 'AUTH').auth_mechanisms).toEqual([]);
    const facts = ehlo('mx', 'AUTH PLAIN LOGIN=1 THIS-NAME-IS-LONGER-THAN-20');
    expect(facts.auth_mechanisms).toEqual(['PLAIN']);
    expect(facts.malformed).toEqual(['AUTH PLAIN LOGIN=1 THIS-NAME-IS-LONGER-THAN-20']);
  });

  it('does not read X-EXPS mechanisms as AUTH', () => {
    expect(ehlo('mx', 'X-EXPS GSSAPI NTLM').auth_mechanisms).toEqual([]);
  });
});

describe('parseEhloReply: LIMITS (RFC 9422)', () => {
  it('reads registered limits', () => {
    const facts = ehlo('mx', 'LIMITS RCPTMAX=100 MAILMAX=1000 RCPTDOMAINMAX=10');
    expect(facts.limits).toEqual({ RCPTMAX: 100, MAILMAX: 1000, RCPTDOMAINMAX: 10 });
    expect(facts.malformed).toEqual([]);
  });

  it('keeps unknown limits with a count, upper-cases names, and keeps the first of a repeated name', () => {
    const facts = ehlo('mx', 'LIMITS x-Foo_bar=5 rcptmax=0 RCPTMAX=7');
    expect(facts.limits).toEqual({ 'X-FOO_BAR': 5, RCPTMAX: 0 });
    expect(facts.malformed).toEqual([]);
  });

  it('accepts what the grammar allows without storing it: a bare LIMITS, a name without value, an unknown non-numeric value', () => {
    for (const line of ['LIMITS', 'LIMITS FUTURELIMIT', 'LIMITS FUTURELIMIT=abc,def']) {
      const facts = ehlo('mx', line);
      expect(facts.limits, line).toEqual({});
      expect(facts.malformed, line).toEqual([]);
      expect(facts.extensions).toEqual(['LIMITS']);
    }
  });

  it.each([
    'LIMITS RCPTMAX=many',
    'LIMITS RCPTMAX',
    'LIMITS RCPTMAX=',
    'LIMITS =5',
    'LIMITS RCPT.MAX=5',
    'LIMITS FOO=a;b',
    'LIMITS RCPTMAX=99999999999999999999',
    'LIMITS RCPTMAX=-1',
  ])('%s: bad pair recorded as malformed, not stored', (line) => {
    const facts = ehlo('mx', line);
    expect(facts.limits).toEqual({});
    expect(facts.malformed).toEqual([line]);
  });

  it('keeps the good pairs of a line that also has a bad one', () => {
    const facts = ehlo('mx', 'LIMITS MAILMAX=10 RCPTMAX=lots');
    expect(facts.limits).toEqual({ MAILMAX: 10 });
    expect(facts.malformed).toEqual(['LIMITS MAILMAX=10 RCPTMAX=lots']);
  });
});
