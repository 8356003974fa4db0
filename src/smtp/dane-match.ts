// RFC 7672 §3 (with RFC 7671 and RFC 6698 §2.1): does a TLSA RRset authenticate the chain an SMTP
// server presented? Pure: the records and the certificates in, the verdict out.
import { createHash, type X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { DaneCheck, DaneFacts, TlsaRecord } from './types.js';

const DANE_TA = 2;
const DANE_EE = 3;
/** Matching type → digest algorithm and its length in bytes; 0 is the exact DER (RFC 6698 §2.1.3). */
const DIGESTS: Record<number, { algorithm: string; bytes: number } | undefined> = {
  1: { algorithm: 'sha256', bytes: 32 },
  2: { algorithm: 'sha512', bytes: 64 },
};

/**
 * Usages 0 and 1 (PKIX-TA/EE) are unusable for SMTP (RFC 7672 §3.1.3); unknown selectors and
 * matching types are unusable (RFC 7671 §4.1), and so is a digest of the wrong length: it could
 * never match, so counting it would hide that the RRset authenticates nothing.
 */
export function isUsable(record: TlsaRecord): boolean {
  if (record.usage !== DANE_TA && record.usage !== DANE_EE) return false;
  if (record.selector !== 0 && record.selector !== 1) return false;
  if (record.matching_type === 0) return record.data.length > 0;
  const digest = DIGESTS[record.matching_type];
  return digest !== undefined && record.data.length === digest.bytes * 2;
}

/** `chain`: the certificates as presented, leaf first. */
export function matchDane(check: DaneCheck, chain: readonly X509Certificate[]): DaneFacts {
  const usable = check.records.filter(isUsable);
  const leaf = chain[0];
  // Each certificate's DER and SPKI are digested once per call, however many records ask.
  const digests = new Map<string, string>();
  const data = (cert: X509Certificate, selector: number, matchingType: number): string => {
    const key = `${chain.indexOf(cert)} ${selector} ${matchingType}`;
    let value = digests.get(key);
    if (value === undefined) digests.set(key, (value = associationData(cert, selector, matchingType)));
    return value;
  };
  const associates = (record: TlsaRecord, cert: X509Certificate) => data(cert, record.selector, record.matching_type) === record.data.toLowerCase();
  const facts: DaneFacts = {
    usable_records: usable.length,
    matched: null,
    failure: null,
    leaf_spki_sha256: leaf === undefined ? null : data(leaf, 1, 1),
    leaf_cert_sha256: leaf === undefined ? null : data(leaf, 0, 1),
  };
  if (usable.length === 0) return { ...facts, failure: 'no_usable_records' };
  if (leaf === undefined) return { ...facts, failure: 'no_certificate' };
  let nameMismatch = false;
  for (const record of usable) {
    if (record.usage === DANE_EE) {
      // RFC 7672 §3.1.1: the leaf's key is the whole trust; names and dates do not matter.
      if (associates(record, leaf)) return { ...facts, matched: record };
      continue;
    }
    // RFC 7671 §5.2.2: the trust anchor is a certificate the server sent (not our trust store) that
    // the leaf chains to by signatures; then the leaf must name the destination (RFC 7672 §3.2.3).
    const issuers = chain.slice(1);
    const anchored = issuers.some((anchor) => associates(record, anchor) && chainsTo(leaf, anchor, issuers));
    if (!anchored) continue;
    if (namesOneOf(leaf, check.names)) return { ...facts, matched: record };
    nameMismatch = true;
  }
  return { ...facts, failure: nameMismatch ? 'name_mismatch' : 'no_match' };
}

/** The TLSA association data a record with this selector and matching type would carry for `cert`. */
export function associationData(cert: X509Certificate, selector: number, matchingType: number): string {
  const selected = selector === 0 ? cert.raw : spkiOf(cert);
  const digest = DIGESTS[matchingType];
  return digest === undefined ? selected.toString('hex') : createHash(digest.algorithm).update(selected).digest('hex');
}

/**
 * A path by signatures from `leaf` up to `anchor` through the presented certificates, in any order
 * (servers send extra or misordered intermediates). A depth-first search that visits each
 * certificate once: at most n² signature checks for n ≤ 16 presented certificates.
 */
function chainsTo(leaf: X509Certificate, anchor: X509Certificate, pool: readonly X509Certificate[]): boolean {
  const visited = new Set<X509Certificate>([leaf]);
  const reaches = (cert: X509Certificate): boolean =>
    pool.some((issuer) => {
      if (visited.has(issuer) || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
      if (issuer === anchor) return true;
      visited.add(issuer);
      return reaches(issuer);
    });
  return reaches(leaf);
}

/** RFC 6125 as for WebPKI (wildcards in the left-most label only): the same rules tls-facts.ts applies. */
function namesOneOf(leaf: X509Certificate, names: readonly string[]): boolean {
  const legacy = leaf.toLegacyObject();
  return names.some((name) => tls.checkServerIdentity(name.replace(/\.$/, ''), legacy) === undefined);
}

function spkiOf(cert: X509Certificate): Buffer {
  return cert.publicKey.export({ type: 'spki', format: 'der' });
}
