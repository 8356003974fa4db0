// The exporter-wide sections: politeness, probe_endpoint, storage and dns, each defaulted key by key.
import type { Node } from 'yaml';
import { parseTargetAddress } from '../probe/target-address.js';
import type { DnsSettings, PolitenessSettings, ProbeEndpointSettings, StorageSettings } from './types.js';
import { formatDuration, MAX_GAP_SECONDS, MAX_TIMEOUT_SECONDS } from './duration.js';
import { allowEntryProblem } from './host-syntax.js';
import { childPath, type Entry, type NodeReader } from './node-reader.js';

export const DEFAULT_POLITENESS: PolitenessSettings = {
  max_concurrency: 64,
  min_gap_seconds: 1,
  backoff_initial_seconds: 60,
  backoff_max_seconds: 3600,
};

export const DEFAULT_PROBE_ENDPOINT: ProbeEndpointSettings = {
  allow: [],
  per_target_per_minute: 6,
  total_per_minute: 60,
};

export const DEFAULT_STORAGE: StorageSettings = { retention_days: 30 };

export const DEFAULT_DNS: DnsSettings = {
  servers: [],
  timeout_seconds: 5,
  refresh_seconds: 300,
  min_refresh_seconds: 30,
  keep_last_good_seconds: 3600,
};

export const DNS_KEYS = ['servers', 'timeout', 'refresh', 'min_refresh', 'keep_last_good'] as const;
const POLITENESS_KEYS = ['max_concurrency', 'min_gap', 'backoff_initial', 'backoff_max'] as const;
const PROBE_ENDPOINT_KEYS = ['allow', 'per_target_per_minute', 'total_per_minute'] as const;
const STORAGE_KEYS = ['retention'] as const;

function valueOf(entries: Map<string, Entry>, key: string): Node | null {
  return entries.get(key)?.value ?? null;
}

export function readPoliteness(r: NodeReader, node: Node | null, path: string): PolitenessSettings {
  const out = { ...DEFAULT_POLITENESS };
  const entries = r.map(node, path, POLITENESS_KEYS);
  if (entries === undefined) return out;
  const p = (key: string): string => childPath(path, key);
  const v = (key: string): Node | null => valueOf(entries, key);
  let initialOk = true;
  let maxOk = true;
  if (entries.has('max_concurrency')) {
    out.max_concurrency = r.integer(v('max_concurrency'), p('max_concurrency'), 1) ?? out.max_concurrency;
  }
  if (entries.has('min_gap')) out.min_gap_seconds = r.duration(v('min_gap'), p('min_gap'), false, MAX_GAP_SECONDS) ?? out.min_gap_seconds;
  if (entries.has('backoff_initial')) {
    const s = r.duration(v('backoff_initial'), p('backoff_initial'), true, MAX_GAP_SECONDS);
    if (s === undefined) initialOk = false;
    else out.backoff_initial_seconds = s;
  }
  if (entries.has('backoff_max')) {
    const s = r.duration(v('backoff_max'), p('backoff_max'), true, MAX_GAP_SECONDS);
    if (s === undefined) maxOk = false;
    else out.backoff_max_seconds = s;
  }
  if (initialOk && maxOk && out.backoff_max_seconds < out.backoff_initial_seconds) {
    // Blame the key the user wrote; when both are written, the cap is the one that reads wrong.
    const key = entries.has('backoff_max') ? 'backoff_max' : 'backoff_initial';
    r.report(
      r.resolve(v(key)),
      p(key),
      `backoff_max (${formatDuration(out.backoff_max_seconds)}) must not be shorter than backoff_initial (${formatDuration(out.backoff_initial_seconds)})`,
    );
  }
  return out;
}

export function readProbeEndpoint(r: NodeReader, node: Node | null, path: string): ProbeEndpointSettings {
  const out = { ...DEFAULT_PROBE_ENDPOINT };
  const entries = r.map(node, path, PROBE_ENDPOINT_KEYS);
  if (entries === undefined) return out;
  const p = (key: string): string => childPath(path, key);
  if (entries.has('allow')) {
    const items = r.seq(valueOf(entries, 'allow'), p('allow'));
    const allow: string[] = [];
    items?.forEach((item, i) => {
      const ip = childPath(p('allow'), i);
      const entry = r.string(item, ip);
      if (entry === undefined) return;
      const problem = allowEntryProblem(entry);
      if (problem !== null) r.report(item, ip, problem);
      else allow.push(entry);
    });
    out.allow = allow;
  }
  // 0 is a real choice here: it turns on-demand probing off.
  if (entries.has('per_target_per_minute')) {
    out.per_target_per_minute =
      r.integer(valueOf(entries, 'per_target_per_minute'), p('per_target_per_minute'), 0) ?? out.per_target_per_minute;
  }
  if (entries.has('total_per_minute')) {
    out.total_per_minute = r.integer(valueOf(entries, 'total_per_minute'), p('total_per_minute'), 0) ?? out.total_per_minute;
  }
  return out;
}

export function readStorage(r: NodeReader, node: Node | null, path: string): StorageSettings {
  const out = { ...DEFAULT_STORAGE };
  const entries = r.map(node, path, STORAGE_KEYS);
  if (entries === undefined) return out;
  if (entries.has('retention')) {
    const s = r.duration(valueOf(entries, 'retention'), childPath(path, 'retention'), true);
    if (s !== undefined) out.retention_days = s / 86400;
  }
  return out;
}

/** `dns:` at the top level, or a group's override of it (`base` is what it overrides, key by key). */
export function readDns(r: NodeReader, node: Node | null, path: string, base: DnsSettings): DnsSettings {
  const out = { ...base };
  const entries = r.map(node, path, DNS_KEYS);
  if (entries === undefined) return out;
  const p = (key: string): string => childPath(path, key);
  if (entries.has('servers')) {
    const servers: string[] = [];
    r.seq(valueOf(entries, 'servers'), p('servers'))?.forEach((item, i) => {
      const text = r.string(item, childPath(p('servers'), i));
      if (text === undefined) return;
      try {
        const server = parseTargetAddress(text, 53);
        // node:dns takes IP addresses only: a name here would need a resolver to find the resolver.
        if (!/^[\d.]+$|:/.test(server.host)) r.report(item, childPath(p('servers'), i), `"${text}" is not an IP address (with an optional port, e.g. 127.0.0.1:5353 or [::1]:53)`);
        else servers.push(server.target);
      } catch (error) {
        r.report(item, childPath(p('servers'), i), `"${text}": ${(error as Error).message}`);
      }
    });
    out.servers = servers;
  }
  for (const [key, field, max] of [
    ['timeout', 'timeout_seconds', MAX_TIMEOUT_SECONDS],
    ['refresh', 'refresh_seconds', MAX_GAP_SECONDS],
    ['min_refresh', 'min_refresh_seconds', MAX_GAP_SECONDS],
    ['keep_last_good', 'keep_last_good_seconds', MAX_GAP_SECONDS],
  ] as const) {
    if (entries.has(key)) out[field] = r.duration(valueOf(entries, key), p(key), true, max) ?? out[field];
  }
  if (out.refresh_seconds < out.min_refresh_seconds) {
    const key = entries.has('refresh') ? 'refresh' : 'min_refresh';
    r.report(
      r.resolve(valueOf(entries, key) ?? node),
      p(key),
      `refresh (${formatDuration(out.refresh_seconds)}) must not be shorter than min_refresh (${formatDuration(out.min_refresh_seconds)})`,
    );
  }
  return out;
}
