// The composition root: wires config, store, scheduler, metrics and the HTTP server together.
// No logic of its own beyond the order things start, reload and stop in.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadConfigFile } from './config/load-config.js';
import type { ExporterConfig, TargetConfig } from './config/types.js';
import { buildServer } from './http/server.js';
import { loadWebConfig } from './http/web-config.js';
import { createExporterRegistry, type ExporterRegistry } from './metrics/exporter-registry.js';
import type { MetricsSource } from './metrics/exporter-status.js';
import type { ProbeResult } from './probe/probe-result.js';
import { probeTarget } from './probe/probe-target.js';
import { createDnsLookup } from './discovery/dns-lookup.js';
import { domainStatus, domainSummary } from './schedule/domain-views.js';
import { Fleet } from './schedule/fleet.js';
import { OnDemandProber } from './schedule/on-demand-prober.js';
import { Scheduler } from './schedule/scheduler.js';
import { SINGLE_SHARD, shardConfig, type ShardSpec } from './schedule/shard.js';
import { probeOptionsFor, readCaBundles, targetAddressOf, type CaBundles } from './schedule/target-probe-options.js';
import { DomainHistory } from './state/domain-history.js';
import { SqliteStateStore } from './state/sqlite-store.js';
import { emptyState } from './state/state-codec.js';
import { TargetStates } from './state/target-states.js';

export interface AppOptions {
  configFile: string;
  storagePath: string;
  defaultHeloName: string;
  version: string;
  nodeVersion: string;
  logger: Logger;
  /** Unix milliseconds. */
  now?: () => number;
  /** This replica's share of the fleet (default: the whole fleet). Validated by the caller. */
  shard?: ShardSpec;
  /** --web.config.file: TLS and basic auth for the HTTP server; read once at start. */
  webConfigFile?: string;
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
  const web = options.webConfigFile === undefined ? undefined : loadWebConfig(options.webConfigFile);
  const store = SqliteStateStore.open(options.storagePath);
  const states = new TargetStates(store, { now: () => Math.floor(now() / 1000), retentionDays: config.storage.retention_days });
  states.load();
  // Discovered targets come back from the store when they are first probed again.
  states.retain(new Set(config.targets.map((t) => t.name)));
  const history = new DomainHistory(store);

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
  // Domains and all_addresses hosts (issue 10): the fleet adds what DNS finds and re-schedules.
  const fleet = new Fleet({
    lookup: (dns) => createDnsLookup({ servers: dns.servers, timeoutSeconds: dns.timeout_seconds }),
    now,
    onGroups: (groups) => {
      onStoreError(states.retain(new Set(fleet.targets().map((t) => t.name))), {}, 'could not save the results of targets no longer probed');
      scheduler.apply(groups, config.politeness);
    },
    onDomainLookup: (domain, state, changes) => {
      const { group } = domain;
      if (state.success === false) {
        const errors = [state.last?.error, ...(state.last?.mx ?? []).map((h) => h.error)].filter((e) => e != null);
        log.warn({ domain: domain.domain, group, reasons: errors.map((e) => e.reason), kept: state.current !== null }, `domain lookup failed: ${errors.map((e) => e.message).join('; ')}`);
      }
      onStoreError(history.record(domain.domain, group, state.lastLookupAt ?? Math.floor(now() / 1000), changes), { domain: domain.domain }, 'could not save the domain changes to the state store');
      for (const c of changes) log.info({ domain: domain.domain, group, change: c.kind, subject: c.subject, old: c.old_value, new: c.new_value }, 'MX set changed');
    },
    onError: (key, error) => log.error({ watch: key, err: error }, 'internal error while resolving'),
  });
  const domainHistories = () => fleet.domains().map((d) => history.get(d.config.domain, d.config.group));

  const onDemand = new OnDemandProber(full, ca, { probe: probeTarget, backoffSeconds: (name) => scheduler.backoffSeconds(name), now });

  const source: MetricsSource = {
    targets: () => [...states.snapshot(), ...domainHistories()],
    expectations: (name) => fleet.target(name)?.expectations,
    discovery: (name) => fleet.target(name)?.discovery,
    backoffSeconds: (name) => (fleet.target(name) === undefined ? undefined : scheduler.backoffSeconds(name)),
    domains: () => fleet.domains().map(domainStatus),
    status: () => {
      const stats = scheduler.snapshotStats();
      const targetsByGroup: Record<string, number> = {};
      for (const g of config.groups) targetsByGroup[g.name] = 0;
      for (const t of fleet.targets()) targetsByGroup[t.group] = (targetsByGroup[t.group] ?? 0) + 1;
      return {
        version: options.version,
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
    // Retains the states of the targets still probed and re-schedules; domains are looked up again.
    fleet.apply(config);
    history.retain(new Set(config.domains.map((d) => d.domain)));
    onDemand.apply(full, ca);
    reloadSuccessful = true;
    lastReloadSuccess = now() / 1000;
    log.info({ file: options.configFile, targets: config.targets.length, domains: config.domains.length }, 'config reloaded');
    return { ok: true };
  };

  registry = createExporterRegistry(source);
  const server = buildServer({
    registry,
    logger: log,
    probeOnDemand: (input) => onDemand.probe(input),
    reload,
    isReady: () => true,
    // Every configured target, probed or not yet, so a fresh start does not look empty.
    targets: () => fleet.targets().map((t) => states.get(t.name) ?? emptyState(t.name, t.group)),
    changes: (target, limit) => states.changes(target, limit),
    domains: {
      domains: () => fleet.domains().map((d) => domainSummary(d, history.get(d.config.domain, d.config.group))),
      domainChanges: (domain, limit) => history.changes(domain, limit),
    },
    web,
  });

  fleet.apply(config);
  log.info({ file: options.configFile, targets: config.targets.length, storage: options.storagePath }, 'ehlo-exporter started');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // In-flight probes get as long as the slowest configured timeout, then are abandoned.
      const longest = [...config.targets, ...config.domains].reduce((m, t) => Math.max(m, t.probe.timeout_seconds), 1);
      const grace = longest * 1000 + 1000;
      fleet.stop();
      await scheduler.stop(grace);
      await server.close();
      onStoreError(states.flush(), {}, 'could not save the last probe results at shutdown');
      store.close();
    })());

  return { server, reload, close };
}
