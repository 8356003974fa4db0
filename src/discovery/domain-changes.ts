// What changed between two MX sets of one domain: MX hosts added, removed or moved to another
// preference, and addresses added to or removed from an MX host both sets share. Pure, so that a
// lookup is compared once, where it is recorded.
import type { DomainResolution } from './resolve-domain.js';

export type DomainChangeKind = 'mx_added' | 'mx_removed' | 'mx_preference_changed' | 'address_added' | 'address_removed';

export interface DomainChange {
  kind: DomainChangeKind;
  /** The MX host concerned. */
  subject: string;
  old_value: string | null;
  new_value: string | null;
}

type MxSet = Pick<DomainResolution, 'mx'>;

export function domainChanges(previous: MxSet, current: MxSet): DomainChange[] {
  const before = new Map(previous.mx.map((h) => [h.host, h]));
  const after = new Map(current.mx.map((h) => [h.host, h]));
  const out: DomainChange[] = [];
  for (const [host, old] of before) {
    if (!after.has(host)) out.push({ kind: 'mx_removed', subject: host, old_value: String(old.preference), new_value: null });
  }
  for (const [host, now] of after) {
    const old = before.get(host);
    if (old === undefined) {
      out.push({ kind: 'mx_added', subject: host, old_value: null, new_value: String(now.preference) });
      continue;
    }
    if (old.preference !== now.preference) {
      out.push({ kind: 'mx_preference_changed', subject: host, old_value: String(old.preference), new_value: String(now.preference) });
    }
    const oldAddresses = new Set(old.addresses.map((a) => a.address));
    const newAddresses = new Set(now.addresses.map((a) => a.address));
    for (const a of oldAddresses) if (!newAddresses.has(a)) out.push({ kind: 'address_removed', subject: host, old_value: a, new_value: null });
    for (const a of newAddresses) if (!oldAddresses.has(a)) out.push({ kind: 'address_added', subject: host, old_value: null, new_value: a });
  }
  return out;
}
