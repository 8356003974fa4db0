// Everything the exporter derives from one reading of its config file, as one immutable value: a
// reload builds a new one completely before anything switches to it, so a failed reload changes
// nothing and a successful one switches everything at once.
import { loadConfigFile } from '../config/load-config.js';
import type { ExporterConfig } from '../config/types.js';
import { SINGLE_SHARD, shardConfig, type ShardSpec } from '../schedule/shard.js';
import { readCaBundles, type CaBundles } from '../schedule/target-probe-options.js';

export interface RunningConfig {
  /** This shard's share: what is scheduled and exported. */
  readonly config: ExporterConfig;
  /** The whole file, so /probe can serve any configured target. */
  readonly full: ExporterConfig;
  readonly ca: CaBundles;
  /** The slowest configured timeout, of targets and domains: how long shutdown waits for probes in flight. */
  readonly longestTimeoutSeconds: number;
}

export interface ConfigSource {
  configFile: string;
  defaultHeloName: string;
  shard?: ShardSpec;
}

/** Throws the config's ConfigError or a CA file's read error; nothing is half-built. */
export function readRunningConfig(source: ConfigSource): RunningConfig {
  const full = loadConfigFile(source.configFile, { defaultHeloName: source.defaultHeloName });
  const config = shardConfig(full, source.shard ?? SINGLE_SHARD);
  return Object.freeze({
    config,
    full,
    ca: readCaBundles(full),
    longestTimeoutSeconds: [...config.targets, ...config.domains].reduce((m, t) => Math.max(m, t.probe.timeout_seconds), 1),
  });
}
