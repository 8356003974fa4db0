// The composition root: wires config, store, scheduler, metrics and the HTTP server together.
// No logic of its own beyond the order things start, reload and stop in.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadConfigFile } from './config/load-config.js';
import type { ExporterConfig, TargetConfig } from './config/types.js';
import { buildServer } from './http/server.js';
import { loadWebConfig } from './http/web-config.js';
import { LiveWebConfig, WEB_CONFIG_POLL_MS, type WebConfigRefresh } from './http/web-config-live.js';
import { createExporterRegistry, type ExporterRegistry } from './metrics/exporter-registry.js';
import type { MetricsSource } from './metrics/exporter-status.js';
import { addRuntimeMetrics } from './metrics/runtime-metrics.js';
import type { ProbeResult } from './probe/probe-result.js';
import { probeTarget } from './probe/probe-target.js';
import { OnDemandProber } from './schedule/on-demand-prober.js';
import { Scheduler } from './schedule/scheduler.js';
import { SINGLE_SHARD, shardConfig, type ShardSpec } from './schedule/shard.js';
import { probeOptionsFor, readCaBundles, targetAddressOf, type CaBundles } from './schedule/target-probe-options.js';
import { SqliteStateStore } from './state/sqlite-store.js';
import { emptyState } from './state/state-codec.js';
import { TargetStates } from './state/target-states.js';
import { TranscriptHistory } from './state/transcript-history.js';
import type { BuildInfo } from './version/build-info.js';

export interface AppOptions {
  configFile: string;
  storagePath: string;
  defaultHeloName: string;
  version: string;
  nodeVersion: string;
  /** The git revision and branch of the build, for smtp_exporter_build_info (default: unknown). */
  build?: BuildInfo;
  logger: Logger;
  /** Unix milliseconds. */
  now?: () => number;
  /** This replica's share of the fleet (default: the whole fleet). Validated by the caller. */
  shard?: ShardSpec;
  /** --web.config.file: TLS and basic auth for the HTTP server; re-read when it (or a certificate it names) changes. */
  webConfigFile?: string;
  /** How often the web config's files are checked for changes (default WEB_CONFIG_POLL_MS). */
  webConfigPollMs?: number;
  /** Export the process's CPU, memory, fds, event loop, heap and GC (once per process: main.ts sets it). */
  runtimeMetrics?: boolean;
}

export interface App {
  server: FastifyInstance;
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  /** Stop the scheduler, wait for in-flight probes (bounded), close the server, close the store. */
  close(): Promise<void>;
}

/** `config` is this shard's share (scheduled and exported); `full` lets /probe serve any configured target. */
function loadConfig(options: AppOptions): { config: ExporterConfig; full: ExporterConfig; ca: CaBundles } {
  const full = loadConfigFile(options.configFile, { defaultHeloName: options.defaultHeloName });
  return { config: shardConfig(full, options.shard ?? SINGLE_SHARD), full, ca: readCaBundles(full) };
}

/** Throws the config's ConfigError, the web config's WebConfigError or the store's StoreError: main reports them and exits. */
export async function createApp(options: AppOptions): Promise<App> {
  const now = options.now ?? Date.now;
  const log = options.logger;
  let { config, full, ca } = loadConfig(options);
  const web = options.webConfigFile === undefined ? undefined : new LiveWebConfig(loadWebConfig(options.webConfigFile));
  const reportWeb = (r: WebConfigRefresh) => {
    if (r.outcome === 'applied') log.info({ file: options.webConfigFile }, 'web config reloaded');
    if (r.outcome === 'failed') log.error({ file: options.webConfigFile, err: r.error }, 'web config reload failed; the previous web config keeps running');
  };
  const stopWebWatch = web?.watch(options.webConfigPollMs ?? WEB_CONFIG_POLL_MS, reportWeb);
  const store = SqliteStateStore.open(options.storagePath);
  const states = new TargetStates(store, { now: () => Math.floor(now() / 1000), retentionDays: config.storage.retention_days });
  states.load();
  let targetsByName = new Map(config.targets.map((t) => [t.name, t]));
  states.retain(new Set(targetsByName.keys()));
  const transcripts = new TranscriptHistory(store);

  let reloadSuccessful = true;
  let lastReloadSuccess = now() / 1000;
  let storeErrors = 0;

  const onStoreError = (error: Error | null, fields: Record<string, unknown>, what: string) => {
    if (error === null) return;
    storeErrors++;
    log.error({ ...fields, err: error.message }, what);
  };

  // Created below, before scheduler.apply() starts the first probe.
  let registry: ExporterRegistry | null = null;
  const onResult = (target: TargetConfig, result: ProbeResult) => {
    const { events, storeError } = states.record(target.name, target.group, result);
    registry?.prerender(states.get(target.name)!);
    onStoreError(storeError, { target: target.name }, 'could not save the probe result to the state store');
    onStoreError(transcripts.record(target.name, result), { target: target.name }, 'could not save the probe transcript to the state store');
    if (result.error) {
      const { stage, reason, code, message } = result.error;
      log.warn({ target: target.name, group: target.group, stage, reason, code }, `probe failed: ${message}`);
    }
    for (const e of events) {
      log.info({ target: target.name, group: target.group, change: e.kind, tls: e.tls, subject: e.subject, old: e.old_value, new: e.new_value }, 'capability changed');
    }
  };

  const scheduler = new Scheduler(
    config.politeness,
    {
      run: (target) => probeTarget(targetAddressOf(target), probeOptionsFor(target, ca)),
      onResult,
      onError: (target, error) => log.error({ target: target.name, err: error }, 'internal error while probing'),
    },
    now,
  );
  const onDemand = new OnDemandProber(full, ca, { probe: probeTarget, backoffSeconds: (name) => scheduler.backoffSeconds(name), now });

  const source: MetricsSource = {
    targets: () => states.snapshot(),
    expectations: (name) => targetsByName.get(name)?.expectations,
    backoffSeconds: (name) => scheduler.backoffSeconds(name),
    status: () => {
      const stats = scheduler.snapshotStats();
      const targetsByGroup: Record<string, number> = {};
      for (const g of config.groups) targetsByGroup[g.name] = g.targets.length;
      return {
        version: options.version,
        revision: options.build?.revision,
        branch: options.build?.branch,
        nodeVersion: options.nodeVersion,
        configReloadSuccessful: reloadSuccessful,
        configLastSuccessTimestamp: lastReloadSuccess,
        targetsByGroup,
        probesInFlight: scheduler.probesInFlight,
        probesTotal: stats.probesTotal,
        roundsMissed: stats.roundsMissed,
        latenessSeconds: stats.latenessSeconds,
        storeErrors,
      };
    },
  };

  const reload: App['reload'] = async () => {
    let next: ReturnType<typeof loadConfig>;
    try {
      next = loadConfig(options);
    } catch (error) {
      reloadSuccessful = false;
      const message = (error as Error).message;
      log.error({ file: options.configFile, err: message }, 'config reload failed; the previous config keeps running');
      return { ok: false, error: message };
    }
    ({ config, full, ca } = next);
    targetsByName = new Map(config.targets.map((t) => [t.name, t]));
    onStoreError(states.retain(new Set(targetsByName.keys())), {}, 'could not save the results of targets the reload removed');
    scheduler.apply(config.groups, config.politeness);
    onDemand.apply(full, ca);
    reloadSuccessful = true;
    lastReloadSuccess = now() / 1000;
    log.info({ file: options.configFile, targets: config.targets.length }, 'config reloaded');
    return { ok: true };
  };

  registry = createExporterRegistry(source);
  if (options.runtimeMetrics === true) addRuntimeMetrics(registry);
  const server = buildServer({
    registry,
    logger: log,
    probeOnDemand: (input, maxSeconds) => onDemand.probe(input, maxSeconds),
    reload,
    isReady: () => true,
    // Every configured target, probed or not yet, so a fresh start does not look empty.
    targets: () => config.targets.map((t) => states.get(t.name) ?? emptyState(t.name, t.group)),
    changes: (target, limit) => states.changes(target, limit),
    status: {
      expectations: source.expectations,
      backoffSeconds: source.backoffSeconds,
      recentChanges: (limit, kind) => store.recentChanges(limit, kind),
      transcripts: (target) => transcripts.list(target),
      now: () => Math.floor(now() / 1000),
    },
    web,
  });

  scheduler.apply(config.groups, config.politeness);
  log.info({ file: options.configFile, targets: config.targets.length, storage: options.storagePath }, 'ehlo-exporter started');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // In-flight probes get as long as the slowest configured timeout, then are abandoned.
      const longest = config.targets.reduce((m, t) => Math.max(m, t.probe.timeout_seconds), 1);
      const grace = longest * 1000 + 1000;
      await scheduler.stop(grace);
      stopWebWatch?.();
      await server.close();
      onStoreError(states.flush(), {}, 'could not save the last probe results at shutdown');
      store.close();
    })());

  return { server, reload, close };
}
