// The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1): `v=STSv1; id=<1*32 ALPHA/DIGIT>;` plus
// extension fields. The id changes whenever the policy does, which is what tells a sender (and
// us) to fetch the policy again.
import type { DnsLookup, TxtRecord } from './dns-lookup.js';
import { badExtension, lookupTagListRecord, onlyField, selectTagListRecord, type TagListRecord } from './tag-list-record.js';

export const MTA_STS_VERSION = 'v=STSv1';
const ID = /^[A-Za-z0-9]{1,32}$/;

export interface MtaStsRecordRead {
  /** null when there is no valid record. */
  record: { id: string } | null;
  /** The lookup failed or the record is invalid or not alone; null when there is none or it is valid. */
  error: string | null;
}

function readSelected(owner: string, selected: TagListRecord): MtaStsRecordRead {
  if (selected.fields === null) return { record: null, error: selected.error };
  const id = onlyField(selected.fields, 'id');
  const problem =
    id.error ?? (ID.test(id.value) ? null : `id ${JSON.stringify(id.value)} must be 1 to 32 letters and digits`) ?? badExtension(selected.fields, ['id']);
  return problem === null ? { record: { id: id.value! }, error: null } : { record: null, error: `${owner}: ${problem}` };
}

export function mtaStsOwner(domain: string): string {
  return `_mta-sts.${domain}`;
}

/** Reads the record among a name's TXT answers (pure: the property tests drive it). */
export function readMtaStsRecord(domain: string, answers: readonly TxtRecord[]): MtaStsRecordRead {
  const owner = mtaStsOwner(domain);
  return readSelected(owner, selectTagListRecord(owner, answers, MTA_STS_VERSION));
}

export async function lookupMtaStsRecord(lookup: DnsLookup, domain: string): Promise<MtaStsRecordRead> {
  const owner = mtaStsOwner(domain);
  return readSelected(owner, await lookupTagListRecord(lookup, owner, MTA_STS_VERSION));
}
