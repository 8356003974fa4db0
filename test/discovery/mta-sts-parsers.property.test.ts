// The MTA-STS and TLS-RPT grammars under generated input: valid records and policies (any field
// order, whitespace, line ends, extensions, string splits) read back to what was generated; broken
// ones give an error, never an exception; the MX matcher follows RFC 8461 §4.1's one-label rule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mxCoveredBy, mtaStsVerdict } from '../../src/discovery/mta-sts-match.js';
import { MAX_AGE_LIMIT, parseMtaStsPolicy, type MtaStsPolicy } from '../../src/discovery/mta-sts-policy.js';
import { readMtaStsRecord } from '../../src/discovery/mta-sts-record.js';
import { readTlsRptRecord } from '../../src/discovery/tls-rpt.js';

const RUNS = 1000;
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const alnum = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: max });
const wsp = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
const extName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/);
const extValue = fc.stringMatching(/^[\x21-\x3a\x3c\x3e-\x7e]{1,20}$/);
/** An LDH label; not an A-label ("xn--"), which must also be valid Punycode (RFC 5890 §2.3.2.1) and WHATWG URL decodes. */
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/).filter((l) => !l.startsWith('xn--'));
/** The last label alphabetic, as in real names (WHATWG URL reads a numeric last label as IPv4). */
const hostName = fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z]{2,6}$/)).map(([l, tld]) => [...l, tld].join('.'));

/** Splits a record's text into 1..4 character-strings, as a zone may publish it. */
function splitStrings(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length)).filter((s, i) => s !== '' || i === 0);
}

const tagRecord = (version: string, main: fc.Arbitrary<[string, string]>) =>
  fc
    .record({
      main,
      extensions: fc.array(fc.tuple(extName, extValue), { maxLength: 3 }),
      delims: fc.array(fc.tuple(wsp, wsp), { minLength: 5, maxLength: 5 }),
      trailing: fc.boolean(),
      position: fc.nat(),
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
    })
    .map(({ main, extensions, delims, trailing, position, cuts }) => {
      const others = extensions.filter(([n]) => n !== main[0]);
      const fields = [...others.slice(0, position % (others.length + 1)), main, ...others.slice(position % (others.length + 1))];
      const delim = (i: number) => `${delims[i % 5]![0]};${delims[i % 5]![1]}`;
      const text = `${version}${fields.map(([n, v], i) => `${delim(i)}${n}=${v}`).join('')}${trailing ? delim(fields.length) : ''}`;
      return { value: main[1], text, strings: splitStrings(text, cuts) };
    });

describe('the _mta-sts TXT record (RFC 8461 §3.1)', () => {
  const valid = tagRecord('v=STSv1', alnum(1, 32).map((id) => ['id', id] as [string, string]));

  it('reads the id of any valid record, whatever its strings, whitespace and extensions, beside unrelated records', () => {
    fc.assert(
      fc.property(valid, fc.array(fc.string().filter((t) => !t.startsWith('v=STSv1')), { maxLength: 2 }), (rec, noise) => {
        const answers = [...noise.map((t) => ({ strings: [t], ttl: null })), { strings: rec.strings, ttl: null }];
        expect(readMtaStsRecord('example.com', answers)).toEqual({ record: { id: rec.value }, error: null });
      }),
      { numRuns: RUNS },
    );
  });

  it('calls two STSv1 records an error', () => {
    fc.assert(
      fc.property(valid, valid, (a, b) => {
        const read = readMtaStsRecord('example.com', [{ strings: a.strings, ttl: null }, { strings: b.strings, ttl: null }]);
        expect(read).toEqual({ record: null, error: '_mta-sts.example.com: 2 TXT records begin with "v=STSv1"; exactly one is allowed' });
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary text, and accepts only ids of 1 to 32 letters and digits', () => {
    const text = fc.oneof(fc.string(), fc.string().map((s) => `v=STSv1;${s}`), fc.string().map((s) => `v=STSv1; id=${s}`));
    fc.assert(
      fc.property(text, (t) => {
        const read = readMtaStsRecord('example.com', [{ strings: [t], ttl: null }]);
        expect(read.record === null || /^[A-Za-z0-9]{1,32}$/.test(read.record.id)).toBe(true);
        expect(read.record === null || read.error === null).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['v=STSv1', 'is followed by no field'],
    ['v=STSv1; id=abc;; x=y', 'field 2 is empty'],
    ['v=STSv1; id=abc; id=abd', 'id= appears 2 times'],
    [`v=STSv1; id=${'a'.repeat(33)}`, 'must be 1 to 32 letters and digits'],
    ['v=STSv1; id=ab-c', 'must be 1 to 32 letters and digits'],
    ['v=STSv1; x=y', 'no id= field'],
    ['v=STSv1; id=abc; ext=a=b', 'invalid value "a=b"'],
    ['v=STSv1; id=abc; -bad=1', 'is not name=value'],
  ])('%j is invalid: %s', (text, message) => {
    const read = readMtaStsRecord('example.com', [{ strings: [text], ttl: null }]);
    expect(read.record).toBeNull();
    expect(read.error).toContain(message);
  });
});

describe('the _smtp._tls TXT record (RFC 8460 §3)', () => {
  const uri = fc.oneof(
    fc.tuple(alnum(1, 8), hostName).map(([user, host]) => `mailto:${user}@${host}`),
    fc.tuple(hostName, alnum(0, 8)).map(([host, path]) => `https://${host}/${path}`),
  );
  const rua = fc.tuple(fc.array(uri, { minLength: 1, maxLength: 3 }), wsp).map(([uris, space]) => ['rua', uris.join(`${space},`)] as [string, string]);

  it('reads the rua URIs of any valid record', () => {
    fc.assert(
      fc.property(tagRecord('v=TLSRPTv1', rua), (rec) => {
        const read = readTlsRptRecord('example.com', [{ strings: rec.strings, ttl: null }]);
        expect(read).toEqual({ valid: true, rua: rec.value.split(/[ \t]*,/), error: null });
      }),
      { numRuns: RUNS },
    );
  });

  it('is absent without a TLSRPTv1 record, and never throws', () => {
    expect(readTlsRptRecord('example.com', [{ strings: ['v=spf1 -all'], ttl: null }])).toBeNull();
    fc.assert(
      fc.property(fc.string().map((s) => `v=TLSRPTv1;${s}`), (t) => {
        const read = readTlsRptRecord('example.com', [{ strings: [t], ttl: null }])!;
        expect(read.valid).toBe(read.error === null);
      }),
      { numRuns: RUNS },
    );
  });
});

const policyArb = fc
  .record({
    mode: fc.constantFrom('enforce', 'testing', 'none') as fc.Arbitrary<MtaStsPolicy['mode']>,
    mx: fc.array(fc.tuple(fc.boolean(), hostName).map(([wild, h]) => (wild ? `*.${h}` : h)), { maxLength: 4 }),
    max_age: fc.integer({ min: 0, max: MAX_AGE_LIMIT }),
    extensions: fc.array(fc.tuple(extName.filter((n) => !['version', 'mode', 'mx', 'max_age'].includes(n)), extValue), { maxLength: 3 }),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    eol: fc.constantFrom('\n', '\r\n'),
    final: fc.boolean(),
    spaces: fc.array(fc.tuple(wsp, wsp), { minLength: 12, maxLength: 12 }),
  })
  .filter((p) => p.mode === 'none' || p.mx.length > 0)
  .map((p) => {
    const lines: [string, string][] = [['version', 'STSv1'], ['mode', p.mode], ['max_age', String(p.max_age)], ...p.mx.map((m) => ['mx', m] as [string, string]), ...p.extensions];
    // A stable shuffle that keeps the mx lines in their order (the policy lists them as published).
    const keyed = lines.map((line, i) => ({ line, key: line[0] === 'mx' ? 1000 + i : p.order[i % 12]! * 2 + (i % 2) }));
    const text = keyed
      .sort((a, b) => a.key - b.key)
      .map(({ line: [n, v] }, i) => `${n}:${p.spaces[i % 12]![0]}${v}${p.spaces[i % 12]![1]}`)
      .join(p.eol);
    const policy: MtaStsPolicy = { version: 'STSv1', mode: p.mode, mx: p.mx, max_age: p.max_age };
    return { policy, text: p.final ? `${text}${p.eol}` : text, eol: p.eol };
  });

describe('the policy file (RFC 8461 §3.2)', () => {
  it('reads back every generated valid policy, in any field order, with either line end', () => {
    fc.assert(
      fc.property(policyArb, ({ policy, text }) => {
        expect(parseMtaStsPolicy(text)).toEqual({ policy, error: null });
      }),
      { numRuns: RUNS },
    );
  });

  const mutations: [string, (text: string, eol: string) => string, RegExp][] = [
    ['a repeated mode', (t, eol) => `mode: testing${eol}${t}`, /^line \d+: mode appears again \(first on line 1\)$/],
    ['no version', (t) => t.replace(/^version:.*$/m, 'x-version: STSv1'), /^version: STSv1 is missing$/],
    ['another version', (t) => t.replace(/^version:[ \t]*STSv1/m, 'version: STSv2'), /^line \d+: version must be STSv1/],
    ['a max_age over a year', (t) => t.replace(/^max_age:.*$/m, `max_age: ${MAX_AGE_LIMIT + 1}`), /^line \d+: max_age must be an integer/],
    ['a negative max_age', (t) => t.replace(/^max_age:.*$/m, 'max_age: -1'), /^line \d+: max_age must be an integer/],
    ['an unknown mode', (t) => t.replace(/^mode:.*$/m, 'mode: Enforce'), /^line \d+: mode must be enforce, testing or none/],
    ['a bad mx', (t, eol) => `mx: *.*.example.com${eol}${t}`, /^line 1: mx "\*\.\*\.example\.com" is not a host name/],
    ['a blank line', (t, eol) => `${eol}${t}`, /^line 1: "" is not "name: value"$/],
    ['a space before the colon', (t, eol) => `mode : enforce${eol}${t}`, /^line 1: "mode : enforce" is not "name: value"$/],
  ];

  it.each(mutations)('gives an error naming the line for %s', (_name, mutate, message) => {
    fc.assert(
      fc.property(policyArb, ({ text, eol }) => {
        expect(parseMtaStsPolicy(mutate(text, eol))).toEqual({ policy: null, error: expect.stringMatching(message) });
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary text, and what it accepts is within the RFC bounds', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), policyArb.chain(({ text: t }) => fc.tuple(fc.nat(t.length), fc.string()).map(([at, s]) => t.slice(0, at) + s + t.slice(at))));
    fc.assert(
      fc.property(text, (t) => {
        const parsed = parseMtaStsPolicy(t);
        if (parsed.policy === null) return;
        expect(Number.isInteger(parsed.policy.max_age) && parsed.policy.max_age <= MAX_AGE_LIMIT).toBe(true);
        expect(parsed.policy.mx.length > 0 || parsed.policy.mode === 'none').toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('MX matching (RFC 8461 §4.1)', () => {
  const policy = (mx: string[]): MtaStsPolicy => ({ version: 'STSv1', mode: 'enforce', mx, max_age: 86400 });
  const shout = (s: string) => s.toUpperCase();

  it('matches a host name exactly, ignoring case and a trailing dot', () => {
    fc.assert(
      fc.property(hostName, hostName, (host, other) => {
        expect(mxCoveredBy(policy([host]), `${shout(host)}.`)).toBe(true);
        expect(mxCoveredBy(policy([shout(host)]), host)).toBe(true);
        expect(mxCoveredBy(policy([host]), other)).toBe(other === host);
      }),
      { numRuns: RUNS },
    );
  });

  it('lets *.parent stand for exactly one more left-most label', () => {
    fc.assert(
      fc.property(hostName, label, label, (parent, a, b) => {
        const wildcard = policy([`*.${parent}`]);
        expect(mxCoveredBy(wildcard, `${a}.${parent}`)).toBe(true);
        expect(mxCoveredBy(wildcard, `${shout(a)}.${shout(parent)}.`)).toBe(true);
        expect(mxCoveredBy(wildcard, parent)).toBe(false);
        expect(mxCoveredBy(wildcard, `${a}.${b}.${parent}`)).toBe(false);
        expect(mxCoveredBy(wildcard, `${a}x${parent}`)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    [null, 'not_probed'],
    [{ starttls_offered: false, tls_version: null, verified_for_mx_host: false }, 'no_starttls'],
    [{ starttls_offered: true, tls_version: 'TLSv1.1', verified_for_mx_host: true }, 'tls_version'],
    [{ starttls_offered: true, tls_version: 'TLSv1.2', verified_for_mx_host: false }, 'certificate'],
    [{ starttls_offered: true, tls_version: 'TLSv1.3', verified_for_mx_host: true }, 'ok'],
  ] as const)('a covered MX with TLS %j: %s', (tls, reason) => {
    expect(mtaStsVerdict(policy(['*.example.com']), 'mx1.example.com', tls)).toEqual({ covered: true, compliant: reason === 'ok', reason });
    expect(mtaStsVerdict(policy(['*.example.com']), 'mx1.example.org', tls)).toEqual({ covered: false, compliant: false, reason: 'not_covered' });
  });
});
