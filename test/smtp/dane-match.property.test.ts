// matchDane (RFC 7672 §3, RFC 7671 §5): properties over generated records and real certificates —
// a record made from the right certificate always matches, any changed byte never does, usages 0/1
// and unknown parameters are never usable — plus the DANE-TA cases (presented, chained, named).
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isUsable, matchDane } from '../../src/smtp/dane-match.js';
import type { TlsaRecord } from '../../src/smtp/types.js';
import { createCa, createSelfSigned, type TestCa } from '../fakes/certificates.js';
import { tlsaFor } from '../support/dnssec-resolver.js';

const RUNS = 300;
const NAME = 'mx.example.com';

let ca: TestCa;
let leaf: X509Certificate;
let caCert: X509Certificate;
let otherLeaf: X509Certificate;
let wildcard: X509Certificate;
let leafPem: string;
beforeAll(() => {
  ca = createCa();
  leafPem = ca.issue({ commonName: NAME }).cert;
  leaf = new X509Certificate(leafPem);
  caCert = new X509Certificate(ca.cert);
  // Same names, another CA: a DANE-TA record for `ca` must not vouch for it.
  otherLeaf = new X509Certificate(createCa({ commonName: 'another CA' }).issue({ commonName: NAME }).cert);
  wildcard = new X509Certificate(ca.issue({ commonName: '*.example.com' }).cert);
});

const usable = fc.record({ selector: fc.constantFrom(0, 1), matchingType: fc.constantFrom(0, 1, 2) });
const pemOf = (cert: X509Certificate) => cert.toString();
const changeOneByte = (data: string, index: number, xor: number): string => {
  const bytes = Buffer.from(data, 'hex');
  const i = index % bytes.length;
  bytes[i] = bytes[i]! ^ xor;
  return bytes.toString('hex');
};

describe('properties', () => {
  it('a DANE-EE record built from the presented leaf always matches, whatever else the RRset holds', () => {
    fc.assert(
      fc.property(usable, fc.array(fc.record({ usage: fc.integer({ min: 0, max: 255 }), selector: fc.integer({ min: 0, max: 255 }), matching_type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex')) }), { maxLength: 4 }), ({ selector, matchingType }, noise) => {
        const record = tlsaFor(leafPem, 3, selector, matchingType);
        const facts = matchDane({ records: [...noise, record], names: ['unrelated.example.net'] }, [leaf]);
        expect(facts.matched).not.toBeNull();
        expect(facts.failure).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('a DANE-TA record built from the presented issuer matches a leaf it signed that names the host', () => {
    fc.assert(
      fc.property(usable, ({ selector, matchingType }) => {
        const record = tlsaFor(ca.cert, 2, selector, matchingType);
        expect(matchDane({ records: [record], names: [NAME] }, [leaf, caCert])).toMatchObject({ matched: record, failure: null, usable_records: 1 });
      }),
      { numRuns: 20 },
    );
  });

  it('any changed byte in the association data never matches', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 3), usable, fc.nat(), fc.integer({ min: 1, max: 255 }), (usage, { selector, matchingType }, index, xor) => {
        const good = tlsaFor(usage === 3 ? leafPem : ca.cert, usage, selector, matchingType);
        const bad = { ...good, data: changeOneByte(good.data, index, xor) };
        expect(matchDane({ records: [bad], names: [NAME] }, [leaf, caCert])).toMatchObject({ matched: null, failure: 'no_match', usable_records: 1 });
      }),
      { numRuns: RUNS },
    );
  });

  it('usages 0 and 1 (PKIX) and unknown parameters are never usable, even when the data matches', () => {
    const params = fc.oneof(
      fc.record({ usage: fc.constantFrom(0, 1), selector: fc.constantFrom(0, 1), matchingType: fc.constantFrom(0, 1, 2) }),
      fc.record({ usage: fc.integer({ min: 4, max: 255 }), selector: fc.constantFrom(0, 1), matchingType: fc.constantFrom(0, 1, 2) }),
      fc.record({ usage: fc.constantFrom(2, 3), selector: fc.integer({ min: 2, max: 255 }), matchingType: fc.constantFrom(0, 1, 2) }),
      fc.record({ usage: fc.constantFrom(2, 3), selector: fc.constantFrom(0, 1), matchingType: fc.integer({ min: 3, max: 255 }) }),
    );
    fc.assert(
      fc.property(params, ({ usage, selector, matchingType }) => {
        // The data computed as if the parameters meant something (selector/matching type clamped).
        const data = tlsaFor(usage === 3 ? leafPem : ca.cert, usage, Math.min(selector, 1), Math.min(matchingType, 2)).data;
        const record: TlsaRecord = { usage, selector, matching_type: matchingType, data };
        expect(isUsable(record)).toBe(false);
        expect(matchDane({ records: [record], names: [NAME] }, [leaf, caCert])).toMatchObject({ usable_records: 0, matched: null, failure: 'no_usable_records' });
      }),
      { numRuns: RUNS },
    );
  });

  it('a digest of the wrong length (SHA-256 ≠ 32 bytes, SHA-512 ≠ 64 bytes) is unusable', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.integer({ min: 0, max: 100 }), (matchingType, length) => {
        fc.pre(length !== (matchingType === 1 ? 32 : 64));
        expect(isUsable({ usage: 3, selector: 1, matching_type: matchingType, data: 'a1'.repeat(length) })).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('examples', () => {
  it('the first usable record that matches is the one reported; the leaf digests are what a 3 1 1 / 3 0 1 record would hold', () => {
    const wrong = { ...tlsaFor(leafPem, 3, 1, 1), data: '00'.repeat(32) };
    const right = tlsaFor(leafPem, 3, 0, 2);
    const facts = matchDane({ records: [tlsaFor(leafPem, 1, 1, 1), wrong, right, tlsaFor(leafPem, 3, 1, 1)], names: [] }, [leaf]);
    expect(facts).toEqual({
      usable_records: 3,
      matched: right,
      failure: null,
      leaf_spki_sha256: tlsaFor(leafPem, 3, 1, 1).data,
      leaf_cert_sha256: tlsaFor(leafPem, 3, 0, 1).data,
    });
  });

  it('DANE-EE ignores names and dates: an expired self-signed certificate for another name matches', () => {
    const pem = createSelfSigned({ commonName: 'elsewhere.example.org', notBeforeDays: -30, notAfterDays: -1 }).cert;
    const record = tlsaFor(pem, 3, 1, 1);
    expect(matchDane({ records: [record], names: [NAME] }, [new X509Certificate(pem)]).matched).toEqual(record);
  });

  it('DANE-TA: the anchor must be presented by the server, not merely trusted', () => {
    expect(matchDane({ records: [tlsaFor(ca.cert, 2, 0, 1)], names: [NAME] }, [leaf]).failure).toBe('no_match');
  });

  it('DANE-TA: the leaf must be signed by the anchor; the same names under another CA do not match', () => {
    expect(matchDane({ records: [tlsaFor(ca.cert, 2, 1, 1)], names: [NAME] }, [otherLeaf, caCert]).failure).toBe('no_match');
  });

  it('DANE-TA: a record for the leaf itself is not a trust anchor', () => {
    expect(matchDane({ records: [tlsaFor(leafPem, 2, 0, 1)], names: [NAME] }, [leaf, caCert]).failure).toBe('no_match');
  });

  it('DANE-TA: the anchor may come anywhere in the presented chain, after unrelated certificates', () => {
    const unrelated = new X509Certificate(createSelfSigned({ commonName: 'noise.example.org' }).cert);
    const record = tlsaFor(ca.cert, 2, 0, 1);
    expect(matchDane({ records: [record], names: [NAME] }, [leaf, unrelated, caCert]).matched).toEqual(record);
  });

  it('DANE-TA: the leaf must name one of the reference identifiers (RFC 6125 wildcards)', () => {
    const record = tlsaFor(ca.cert, 2, 0, 1);
    expect(matchDane({ records: [record], names: ['mx2.example.com'] }, [leaf, caCert]).failure).toBe('name_mismatch');
    expect(matchDane({ records: [record], names: ['example.com', 'MX.example.com.'] }, [leaf, caCert]).matched).toEqual(record);
    expect(matchDane({ records: [record], names: ['mx9.example.com'] }, [wildcard, caCert]).matched).toEqual(record);
    // A wildcard covers one label only.
    expect(matchDane({ records: [record], names: ['a.mx9.example.com', 'example.com'] }, [wildcard, caCert]).failure).toBe('name_mismatch');
  });

  it('no certificate: no_certificate, and no digests; no usable records wins over that', () => {
    expect(matchDane({ records: [tlsaFor(leafPem, 3, 1, 1)], names: [] }, [])).toEqual({
      usable_records: 1,
      matched: null,
      failure: 'no_certificate',
      leaf_spki_sha256: null,
      leaf_cert_sha256: null,
    });
    expect(matchDane({ records: [], names: [] }, []).failure).toBe('no_usable_records');
  });

  it('matches TLSA data written in upper case', () => {
    const record = tlsaFor(leafPem, 3, 1, 1);
    expect(matchDane({ records: [{ ...record, data: record.data.toUpperCase() }], names: [] }, [leaf]).failure).toBeNull();
  });
});
