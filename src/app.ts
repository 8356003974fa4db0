// The composition root: wires config, store, scheduler, metrics and the HTTP server together, in
// the order things start, reload and stop in. Its state is one immutable value (AppState), swapped
// whole: a reload builds the next RunningConfig completely, then switches to it in one assignment.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { coalesce } from './app/coalesce.js';
import { readRunningConfig, type ConfigSource, type RunningConfig } from './app/running-config.js';
import type { TargetConfig } from './config/types.js';
import { buildServer } from './http/server.js';
import type { StatusReaders } from './http/status-routes.js';
import { loadWebConfig } from './http/web-config.js';
import { LiveWebConfig, WEB_CONFIG_POLL_MS } from './http/web-config-live.js';
import { createExporterRegistry, type ExporterRegistry } from './metrics/exporter-registry.js';
import type { MetricsSource } from './metrics/exporter-status.js';
import { addRuntimeMetrics } from './metrics/runtime-metrics.js';
import type { ProbeOptions } from './probe/probe-options.js';
import { ProbePool } from './probe/probe-pool.js';
import type { ProbeResult } from './probe/probe-result.js';
import { probeTarget } from './probe/probe-target.js';
import { lookupDane } from './discovery/dane-lookup.js';
import type { TargetAddress } from './probe/target-address.js';
import { createDnsLookup } from './discovery/dns-lookup.js';
import { refreshMtaSts } from './discovery/mta-sts.js';
import { createSecureDnsClient } from './discovery/secure-dns.js';
import { domainPolicyStatus, domainStatus, domainSummary, targetPolicyStatus } from './schedule/domain-views.js';
import { Fleet } from './schedule/fleet.js';
import { OnDemandProber } from './schedule/on-demand-prober.js';
import { Scheduler } from './schedule/scheduler.js';
import type { ShardSpec } from './schedule/shard.js';
import { stableFraction } from './schedule/stable-offset.js';
import { probeOptionsFor, targetAddressOf } from './schedule/target-probe-options.js';
import { DomainHistory } from './state/domain-history.js';
import { SqliteStateStore } from './state/sqlite-store.js';
import { emptyState } from './state/state-codec.js';
import { TargetStates } from './state/target-states.js';
import { TranscriptHistory } from './state/transcript-history.js';
import type { BuildInfo } from './version/build-info.js';

export interface AppOptions extends ConfigSource {
  storagePath: string;
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
  /** Worker threads that run the probes (--probe.workers); 0 (the default) runs them on the main thread. */
  probeWorkers?: number;
}

/** How a reload waits for the other requests and signals that arrived with it (see coalesce.ts). */
const RELOAD_GATHERING = { quietMs: 50, maxWaitMs: 1000 };

export type ReloadOutcome = { ok: true } | { ok: false; error: string };

export interface App {
  server: FastifyInstance;
  /** Coalesced: concurrent calls (HTTP or SIGHUP) share one reload or one follow-up. */
  reload(): Promise<ReloadOutcome>;
  /** Stop the scheduler, wait for in-flight probes (bounded), close the server, close the store. */
  close(): Promise<void>;
}

/** Everything the exporter's behaviour depends on that is not runtime memory (states, rate limits, back-offs). */
interface AppState {
  readonly running: RunningConfig;
  readonly reloadSuccessful: boolean;
  /** Unix seconds. */
  readonly lastReloadSuccess: number;
  readonly storeErrors: number;
}

/** The parts createApp wires together, handed to the steps below. */
interface Parts {
  readonly options: AppOptions;
  readonly log: Logger;
  readonly now: () => number;
  readonly store: SqliteStateStore;
  readonly states: TargetStates;
  readonly scheduler: Scheduler;
  readonly onDemand: OnDemandProber;
  readonly transcripts: TranscriptHistory;
  /** The probed fleet: configured targets plus what DNS found for domains and all_addresses hosts. */
  readonly fleet: Fleet;
  /** The watched domains' MX and address set changes. */
  readonly history: DomainHistory;
  /** Stops re-reading the web config; a no-op without one. */
  readonly stopWebWatch: () => void;
  /** The worker threads probes run in; null when they run on the main thread. */
  readonly pool: ProbePool | null;
  /** The one place AppState is read and swapped. */
  state(): AppState;
  swap(next: Partial<AppState>): void;
}

/** Throws the config's ConfigError, the web config's WebConfigError or the store's StoreError: main reports them and exits. */
export async function createApp(options: AppOptions): Promise<App> {
  const now = options.now ?? Date.now;
  const log = options.logger;
  let state: AppState = { running: readRunningConfig(options), reloadSuccessful: true, lastReloadSuccess: now() / 1000, storeErrors: 0 };
  const web = options.webConfigFile === undefined ? undefined : new LiveWebConfig(loadWebConfig(options.webConfigFile));
  const store = SqliteStateStore.open(options.storagePath);
  const states = new TargetStates(store, { now: () => Math.floor(now() / 1000), retentionDays: state.running.config.storage.retention_days });
  states.load(stableFraction);
  // Discovered targets come back from the store when they are first probed again.
  states.retain(new Set(state.running.config.targets.map((t) => t.name)));
  const pool = createPool(options.probeWorkers ?? 0, log);
  const probe = pool === null ? probeTarget : (target: TargetAddress, probeOptions: ProbeOptions) => pool.submit(target, probeOptions);
  // The scheduler starts nothing before start() below, by which time `parts` and `registry` exist.
  const scheduler = new Scheduler(state.running.config.politeness, {
    run: (target) => probe(targetAddressOf(target), probeOptionsFor(target, state.running.ca)),
    onResult: (target, result) => recordResult(parts, registry, target, result),
    onError: (target, error) => log.error({ target: target.name, err: error }, 'internal error while probing'),
  }, now);
  const onDemand = new OnDemandProber(state.running.full, state.running.ca, { probe, backoffSeconds: (name) => scheduler.backoffSeconds(name), now });
  const transcripts = new TranscriptHistory(store);
  const stopWebWatch = watchWebConfig(web, options, log);
  const fleet = createFleet(() => parts);
  const parts: Parts = { options, log, now, store, states, scheduler, onDemand, transcripts, fleet, history: new DomainHistory(store), stopWebWatch, pool, state: () => state, swap: (next) => void (state = { ...state, ...next }) };
  const registry = createExporterRegistry(metricsSource(parts));
  if (options.runtimeMetrics === true) addRuntimeMetrics(registry.registry);
  const reload = coalesce(() => reloadOnce(parts), RELOAD_GATHERING);
  const server = serve(parts, registry, reload, web);
  start(parts);
  let closing: Promise<void> | null = null;
  return { server, reload, close: () => (closing ??= closeInOrder(parts, server)) };
}

/** Sessions and TLS handshakes on every core (src/probe/probe-pool.ts); none: on the main thread. */
function createPool(workers: number, log: Logger): ProbePool | null {
  if (workers === 0) return null;
  return new ProbePool({
    workers,
    onWorkerLost: ({ reason, probesLost }) => log.error({ probes_lost: probesLost }, `probe worker ${reason}; replaced, its probes reported as failed`),
  });
}

/** The HTTP server over the parts: it reads states, the fleet and the store, and is handed its actions. */
function serve(parts: Parts, registry: ExporterRegistry, reload: App['reload'], web: LiveWebConfig | undefined): FastifyInstance {
  const { states, fleet, history } = parts;
  return buildServer({
    registry,
    logger: parts.log,
    probeOnDemand: (input, maxSeconds) => parts.onDemand.probe(input, maxSeconds),
    reload,
    isReady: () => true,
    web,
    // Every target probed now, configured or discovered, probed yet or not, so a fresh start does not look empty.
    targets: () => fleet.targets().map((t) => states.get(t.name) ?? emptyState(t.name, t.group)),
    changes: (target, limit) => states.changes(target, limit),
    status: statusReaders(parts),
    domains: {
      domains: () => fleet.domains().map((d) => domainSummary(d, history.get(d.config.domain, d.config.group))),
      domainChanges: (domain, limit) => history.changes(domain, limit),
    },
  });
}

/**
 * Domains and all_addresses hosts (issue 10): the fleet adds what DNS finds and re-schedules the
 * whole list. `parts` is read only when a lookup finishes, after start().
 */
function createFleet(parts: () => Parts): Fleet {
  const fleet: Fleet = new Fleet({
    lookup: (dns) => createDnsLookup({ servers: dns.servers, timeoutSeconds: dns.timeout_seconds }),
    now: () => parts().now(),
    onGroups: (groups) => {
      const p = parts();
      reportStoreError(p, p.states.retain(new Set(fleet.targets().map((t) => t.name))), {}, 'could not save the results of targets no longer probed');
      p.scheduler.apply(groups, p.state().running.config.politeness);
    },
    onDomainLookup: (domain, watch, changes) => {
      const p = parts();
      const where = { domain: domain.domain, group: domain.group };
      if (watch.success === false) {
        const errors = [watch.last?.error, ...(watch.last?.mx ?? []).map((h) => h.error)].filter((e) => e != null);
        p.log.warn({ ...where, reasons: errors.map((e) => e.reason), kept: watch.current !== null }, `domain lookup failed: ${errors.map((e) => e.message).join('; ')}`);
      }
      const at = watch.lastLookupAt ?? Math.floor(p.now() / 1000);
      reportStoreError(p, p.history.record(domain.domain, domain.group, at, changes), { domain: domain.domain }, 'could not save the domain changes to the state store');
      for (const c of changes) p.log.info({ ...where, change: c.kind, subject: c.subject, old: c.old_value, new: c.new_value }, 'MX set changed');
    },
    onError: (key, error) => parts().log.error({ watch: key, err: error }, 'internal error while resolving'),
    policy: {
      refreshMtaSts,
      lookupDane,
      secureDns: (dns) => createSecureDnsClient({ servers: dns.servers, timeoutMs: dns.timeout_seconds * 1000 }),
      ca: (file) => parts().state().running.ca.get(file) ?? null,
      onCheck: (domain, policy, changes) => {
        const p = parts();
        const where = { domain: domain.domain, group: domain.group };
        const failure = policy.mtaSts?.fetch_error;
        if (failure != null) p.log.warn({ ...where, reason: failure.reason }, `MTA-STS policy fetch failed: ${failure.message}`);
        const at = policy.checkedAt ?? Math.floor(p.now() / 1000);
        reportStoreError(p, p.history.record(domain.domain, domain.group, at, changes), { domain: domain.domain }, 'could not save the policy changes to the state store');
        for (const c of changes) p.log.info({ ...where, change: c.kind, subject: c.subject, old: c.old_value, new: c.new_value }, 'mail TLS policy changed');
      },
    },
  });
  return fleet;
}

/** Resumes 421 back-offs a previous run persisted, then starts the schedule (the fleet schedules its groups). */
function start({ options, log, states, scheduler, fleet, state }: Parts): void {
  const { config } = state().running;
  for (const target of config.targets) {
    const backoff = states.get(target.name)?.backoff;
    if (backoff) scheduler.restoreBackoff(target.name, { strikes: backoff.strikes, untilMs: backoff.until_ms });
  }
  fleet.apply(config);
  log.info({ file: options.configFile, targets: config.targets.length, domains: config.domains.length, storage: options.storagePath, probe_workers: options.probeWorkers ?? 0 }, 'ehlo-exporter started');
}

/** A scheduled result goes into the target's state (with its back-off), the pre-rendered series, and the log. */
function recordResult(parts: Parts, registry: ExporterRegistry, target: TargetConfig, result: ProbeResult): void {
  const entry = parts.scheduler.backoffEntry(target.name);
  const backoff = entry === null ? null : { strikes: entry.strikes, until_ms: entry.untilMs };
  const { events, storeError } = parts.states.record(target.name, target.group, result, backoff);
  registry.prerender(parts.states.get(target.name)!);
  reportStoreError(parts, storeError, { target: target.name }, 'could not save the probe result to the state store');
  reportStoreError(parts, parts.transcripts.record(target.name, result), { target: target.name }, 'could not save the probe transcript to the state store');
  const where = { target: target.name, group: target.group };
  if (result.error) {
    const { stage, reason, detail, code, message } = result.error;
    parts.log.warn({ ...where, stage, reason, detail, code }, `probe failed: ${message}`);
  }
  for (const e of events) {
    parts.log.info({ ...where, change: e.kind, tls: e.tls, subject: e.subject, old: e.old_value, new: e.new_value }, 'capability changed');
  }
}

function reportStoreError(parts: Parts, error: Error | null, fields: Record<string, unknown>, what: string): void {
  if (error === null) return;
  parts.swap({ storeErrors: parts.state().storeErrors + 1 });
  parts.log.error({ ...fields, err: error.message }, what);
}

/** One reload: read and validate everything, then switch in one step. Logged once here, for HTTP and SIGHUP alike. */
async function reloadOnce(parts: Parts): Promise<ReloadOutcome> {
  const { options, log, fleet, history, onDemand, now } = parts;
  let running: RunningConfig;
  try {
    running = readRunningConfig(options);
  } catch (error) {
    parts.swap({ reloadSuccessful: false });
    const message = (error as Error).message;
    log.error({ file: options.configFile, err: message }, 'config reload failed; the previous config keeps running');
    return { ok: false, error: message };
  }
  parts.swap({ running, reloadSuccessful: true, lastReloadSuccess: now() / 1000 });
  // Retains the states of the targets still probed and re-schedules; domains are looked up again.
  fleet.apply(running.config);
  history.retain(new Set(running.config.domains.map((d) => d.domain)));
  onDemand.apply(running.full, running.ca);
  log.info({ file: options.configFile, targets: running.config.targets.length, domains: running.config.domains.length }, 'config reloaded');
  return { ok: true };
}

/** What /metrics reads at scrape time, all from AppState, the states, the fleet, the domain history and the scheduler. */
function metricsSource({ options, states, scheduler, fleet, history, state }: Parts): MetricsSource {
  return {
    targets: () => [...states.snapshot(), ...fleet.domains().map((d) => history.get(d.config.domain, d.config.group))],
    targetConfig: (name) => fleet.target(name),
    backoffs: () => scheduler.backoffsUnderWay(),
    domains: () => fleet.domains().map(domainStatus),
    domainPolicies: () => fleet.domains().flatMap((d) => domainPolicyStatus(d) ?? []),
    targetPolicies: () => {
      const byDomain = new Map(fleet.domains().map((d) => [d.config.domain, d]));
      // Only discovered targets belong to a domain; the others cost no lookup at 50,000 targets.
      return fleet.targets().flatMap((t) => (t.discovery === undefined ? [] : (targetPolicyStatus(t, byDomain.get(t.discovery.domain), states.get(t.name)) ?? [])));
    },
    status: () => {
      const { running, reloadSuccessful, lastReloadSuccess, storeErrors } = state();
      const stats = scheduler.snapshotStats();
      const targetsByGroup = Object.fromEntries(running.config.groups.map((g) => [g.name, 0]));
      for (const t of fleet.targets()) targetsByGroup[t.group] = (targetsByGroup[t.group] ?? 0) + 1;
      return {
        version: options.version,
        revision: options.build?.revision,
        branch: options.build?.branch,
        nodeVersion: options.nodeVersion,
        configReloadSuccessful: reloadSuccessful,
        configLastSuccessTimestamp: lastReloadSuccess,
        targetsByGroup,
        probesInFlight: scheduler.probesInFlight,
        ...stats,
        storeErrors,
      };
    },
  };
}

/**
 * The documented close order; in-flight probes get as long as the slowest configured timeout, then
 * are abandoned. The probe workers end after the server, whose on-demand probes run in them too.
 */
async function closeInOrder(parts: Parts, server: FastifyInstance): Promise<void> {
  parts.fleet.stop();
  await parts.scheduler.stop(parts.state().running.longestTimeoutSeconds * 1000 + 1000);
  parts.stopWebWatch();
  await server.close();
  await parts.pool?.close();
  reportStoreError(parts, parts.states.flush(), {}, 'could not save the last probe results at shutdown');
  parts.store.close();
}

/** Re-reads the web config (and the certificates it names) while the exporter runs; returns how to stop. */
function watchWebConfig(web: LiveWebConfig | undefined, options: AppOptions, log: Logger): () => void {
  if (web === undefined) return () => {};
  return web.watch(options.webConfigPollMs ?? WEB_CONFIG_POLL_MS, (r) => {
    if (r.outcome === 'applied') log.info({ file: options.webConfigFile }, 'web config reloaded');
    if (r.outcome === 'failed') log.error({ file: options.webConfigFile, err: r.error }, 'web config reload failed; the previous web config keeps running');
  });
}

/** What the status pages read: expectations and back-offs as /metrics sees them, plus history from the store. */
function statusReaders(parts: Parts): StatusReaders {
  const { fleet, scheduler } = parts;
  return {
    expectations: (name) => fleet.target(name)?.expectations,
    backoffSeconds: (name) => (fleet.target(name) === undefined ? undefined : scheduler.backoffSeconds(name)),
    recentChanges: (limit, kind) => parts.store.recentChanges(limit, kind),
    transcripts: (target) => parts.transcripts.list(target),
    now: () => Math.floor(parts.now() / 1000),
  };
}
