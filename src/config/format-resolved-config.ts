// The listing `check-config` prints: the fleet as the exporter will run it, every setting after
// defaults and overrides, in the config's own key names so each line maps back to the file.
import type { DnsSettings, PolicySettings, ExporterConfig, Expectations, ProbeSettings } from './types.js';
import { formatDuration } from './duration.js';

function probeLine(p: ProbeSettings): string {
  return `timeout=${formatDuration(p.timeout_seconds)} helo_name=${p.helo_name} starttls=${p.starttls} implicit_tls=${p.implicit_tls}`;
}

function tlsLine(p: ProbeSettings, host: string | null): string {
  const serverName = p.tls.server_name ?? (host === null ? '(target host)' : host);
  const ca = p.tls.ca_file ?? '(system CAs)';
  return `server_name=${serverName} ca_file=${ca} min_version=${p.tls.min_version} fail_on_verify_error=${p.tls.fail_on_verify_error}`;
}

function expectLine(e: Expectations): string {
  const parts: string[] = [];
  if (e.starttls !== undefined) parts.push(`starttls=${e.starttls}`);
  if (e.min_size_bytes !== undefined) parts.push(`min_size_bytes=${e.min_size_bytes}`);
  if (e.required_extensions !== undefined) parts.push(`required_extensions=[${e.required_extensions.join(',')}]`);
  if (e.forbidden_extensions !== undefined) parts.push(`forbidden_extensions=[${e.forbidden_extensions.join(',')}]`);
  if (e.auth_requires_tls !== undefined) parts.push(`auth_requires_tls=${e.auth_requires_tls}`);
  return parts.length === 0 ? '(none)' : parts.join(' ');
}

function dnsLine(d: DnsSettings): string {
  const servers = d.servers.length === 0 ? '(system resolver)' : `[${d.servers.join(',')}]`;
  return (
    `servers=${servers} timeout=${formatDuration(d.timeout_seconds)} refresh=${formatDuration(d.refresh_seconds)} ` +
    `min_refresh=${formatDuration(d.min_refresh_seconds)} keep_last_good=${formatDuration(d.keep_last_good_seconds)}`
  );
}

function policyLine(p: PolicySettings): string {
  return `mta_sts=${p.mta_sts} dane=${p.dane} ca_file=${p.ca_file ?? '(system CAs)'} fetch_timeout=${formatDuration(p.fetch_timeout_seconds)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatResolvedConfig(cfg: ExporterConfig): string {
  const { politeness: po, probe_endpoint: pe } = cfg;
  const lines = [
    `config: ${cfg.file}`,
    `${plural(cfg.groups.length, 'group')}, ${plural(cfg.targets.length, 'target')}`,
    `defaults: ${probeLine(cfg.defaults)}`,
    `  tls: ${tlsLine(cfg.defaults, null)}`,
    `politeness: max_concurrency=${po.max_concurrency} min_gap=${formatDuration(po.min_gap_seconds)} ` +
      `backoff_initial=${formatDuration(po.backoff_initial_seconds)} backoff_max=${formatDuration(po.backoff_max_seconds)}`,
    `probe_endpoint: allow=${pe.allow.length === 0 ? '(configured targets only)' : `[${pe.allow.join(',')}]`} ` +
      `per_target_per_minute=${pe.per_target_per_minute} total_per_minute=${pe.total_per_minute}`,
    `storage: retention=${formatDuration(cfg.storage.retention_days * 86400)}`,
    `dns: ${dnsLine(cfg.dns)}`,
    `policy: ${policyLine(cfg.policy)}`,
  ];
  for (const g of cfg.groups) {
    const domains = g.domains.length === 0 ? '' : `, ${plural(g.domains.length, 'domain')}`;
    lines.push('', `group ${g.name}: schedule="${g.schedule}" ${plural(g.targets.length, 'target')}${domains}`);
    for (const t of g.targets) {
      const address = t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
      lines.push(
        `  target ${t.name}${t.name === address ? '' : ` (${address})`}`,
        `    probe: ${probeLine(t.probe)}`,
        `    tls: ${tlsLine(t.probe, t.host)}`,
        `    expect: ${expectLine(t.expectations)}`,
      );
      if (t.all_addresses) lines.push('    all_addresses: every A and AAAA address of the host is a target of its own');
    }
    if (g.domains.length > 0) lines.push(`  dns: ${dnsLine(g.dns)}`);
    for (const d of g.domains) {
      lines.push(
        `  domain ${d.domain} (every address of every MX host, port ${d.port})`,
        `    probe: ${probeLine(d.probe)}`,
        `    tls: ${tlsLine(d.probe, '(MX host)')}`,
        `    expect: ${expectLine(d.expectations)}`,
        `    policy: ${policyLine(d.policy)}`,
      );
    }
  }
  return lines.join('\n');
}
