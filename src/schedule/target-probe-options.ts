// A configured target's settings, in the probe engine's terms. CA bundles are read when the config
// is applied, not once per probe.
import { readCaBundle } from '../config/ca-bundle.js';
import type { ExporterConfig, TargetConfig } from '../config/types.js';
import type { ProbeOptions } from '../probe/probe-options.js';
import type { TargetAddress } from '../probe/target-address.js';

export type CaBundles = ReadonlyMap<string, string>;

/** Read every CA file the config names; throws with the file name when one cannot be read. */
export function readCaBundles(config: ExporterConfig): CaBundles {
  const bundles = new Map<string, string>();
  const users = [
    { name: 'defaults', key: 'tls.ca_file', file: config.defaults.tls.ca_file },
    ...config.targets.map((t) => ({ name: t.name, key: 'tls.ca_file', file: t.probe.tls.ca_file })),
    ...config.domains.map((d) => ({ name: d.domain, key: 'tls.ca_file', file: d.probe.tls.ca_file })),
    // The MTA-STS policy fetch's extra CA (issue 11), read once like the probes' CAs.
    ...config.domains.map((d) => ({ name: d.domain, key: 'policy.ca_file', file: d.policy.ca_file })),
  ];
  for (const { name, key, file } of users) {
    if (file === null || bundles.has(file)) continue;
    try {
      bundles.set(file, readCaBundle(file));
    } catch (error) {
      throw new Error(`${config.file}: ${name}: cannot use ${key} ${file}: ${(error as Error).message}`);
    }
  }
  return bundles;
}

export function targetAddressOf(target: TargetConfig): TargetAddress {
  // A discovered target dials its address; TLS names its host.
  if (target.discovery !== undefined) return { target: target.name, host: target.host, port: target.port, dial: target.discovery.address };
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return { target: `${host}:${target.port}`, host: target.host, port: target.port };
}

/** What the politeness gap and one-session-at-a-time apply to: the address dialled when known, else the host. */
export function politenessKey(target: TargetConfig): string {
  return target.discovery?.address ?? target.host;
}

export function probeOptionsFor(target: TargetConfig, ca: CaBundles): ProbeOptions {
  const { probe } = target;
  return {
    heloName: probe.helo_name,
    starttls: probe.starttls,
    implicitTls: probe.implicit_tls,
    timeoutSeconds: probe.timeout_seconds,
    tls: {
      serverName: probe.tls.server_name,
      ca: probe.tls.ca_file === null ? null : (ca.get(probe.tls.ca_file) ?? null),
      failOnVerifyError: probe.tls.fail_on_verify_error,
      minVersion: probe.tls.min_version,
      dane: target.dane ?? null,
    },
  };
}
