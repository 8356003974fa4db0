// Debian's Prometheus and Alertmanager as child processes for end-to-end tests: each on a free
// loopback port with its own temp data directory, no clustering, killed by stop(). Also the small
// HTTP API client the tests need, and the copy of the shipped rules with test-sized `for:` durations.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startAlertWebhook, type AlertWebhook } from './alert-webhook.js';
import { REPO_ROOT } from './exporter-process.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** Why Prometheus and Alertmanager cannot run here, or null when they can. */
export function prometheusStackUnavailableReason(): string | null {
  for (const bin of [PROMETHEUS_BIN, ALERTMANAGER_BIN]) {
    if (!existsSync(bin)) return `${bin} is not installed (apt-get install prometheus prometheus-alertmanager)`;
  }
  return null;
}

export interface Daemon {
  url: string;
  /** stdout and stderr so far (the last 64 KiB), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function startDaemon(name: string, bin: string, args: string[], url: string): Promise<Daemon> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => ((exited = true), resolve()));
    child.once('error', (e) => ((output += `\nspawn error: ${e.message}`), (exited = true), resolve()));
  });
  const daemon: Daemon = {
    url,
    log: () => output,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(`${name} to be ready at ${url}/-/ready`, async () => {
      if (exited) throw new Error(`${name} exited: ${output}`);
      const res = await fetch(`${url}/-/ready`).catch(() => null);
      return res?.status === 200 || undefined;
    }, 30_000, 200);
  } catch (error) {
    await daemon.stop();
    throw new Error(`${(error as Error).message}\n${name} log:\n${output}`);
  }
  return daemon;
}

/**
 * The shipped rules with every `for:` set to `forSeconds` and every group on the global evaluation
 * interval: production waits minutes before paging, a test cannot. Expressions, labels and
 * annotations stay exactly as shipped.
 */
export function rulesWithShortFor(rulesYaml: string, forSeconds: number): string {
  const doc = parse(rulesYaml) as { groups: { interval?: string; rules: { for?: string }[] }[] };
  for (const group of doc.groups) {
    // A group's own interval (the recording rules' 1m) gives way to the test's global one as well.
    delete group.interval;
    for (const rule of group.rules) if (rule.for !== undefined) rule.for = `${forSeconds}s`;
  }
  return stringify(doc, { lineWidth: 0 });
}

export async function startAlertmanager(options: { dir: string; webhookUrl: string }): Promise<Daemon> {
  await mkdir(join(options.dir, 'data'), { recursive: true });
  const config = join(options.dir, 'alertmanager.yml');
  // Everything to the test's webhook, notified about a second after it changes.
  await writeFile(
    config,
    stringify({
      route: { receiver: 'test', group_by: ['alertname', 'group', 'target'], group_wait: '1s', group_interval: '1s', repeat_interval: '24h' },
      receivers: [{ name: 'test', webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] }],
    }),
  );
  const port = await freePort();
  return startDaemon('Alertmanager', ALERTMANAGER_BIN, [
    `--config.file=${config}`,
    `--storage.path=${join(options.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ], `http://127.0.0.1:${port}`);
}

export interface PromSample {
  metric: Record<string, string>;
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] | unknown };
}

export interface Prometheus extends Daemon {
  /** GET /api/v1/query at `time` (Unix seconds, default now). */
  query(expr: string, time?: number): Promise<QueryResult>;
  /** GET /api/v1/query_range over [start, end] (Unix seconds). */
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<QueryResult>;
  /** GET /api/v1/label/<label>/values?match[]=selector over [start, end], as Grafana's label_values() does. */
  labelValues(label: string, selector: string, start: number, end: number): Promise<{ status: string; error?: string; data?: string[] }>;
}

export async function startPrometheus(options: { dir: string; exporter: string; rulesFile: string; alertmanager: string }): Promise<Prometheus> {
  await mkdir(join(options.dir, 'data'), { recursive: true });
  const config = join(options.dir, 'prometheus.yml');
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [options.rulesFile],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] },
      // The job name is the rules' exporter selector (job="ehlo-exporter", mixin/config.ts).
      scrape_configs: [{ job_name: 'ehlo-exporter', static_configs: [{ targets: [options.exporter] }] }],
    }),
  );
  const port = await freePort();
  const daemon = await startDaemon('Prometheus', PROMETHEUS_BIN, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(options.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], `http://127.0.0.1:${port}`);
  const get = async <T>(path: string, params: [string, string][]): Promise<T> => {
    const res = await fetch(`${daemon.url}${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(15_000) });
    return (await res.json()) as T;
  };
  return {
    ...daemon,
    query: (expr, time = Date.now() / 1000) => get('/api/v1/query', [['query', expr], ['time', String(time)]]),
    queryRange: (expr, start, end, step) =>
      get('/api/v1/query_range', [['query', expr], ['start', String(start)], ['end', String(end)], ['step', String(step)]]),
    labelValues: (label, selector, start, end) =>
      get(`/api/v1/label/${encodeURIComponent(label)}/values`, [['match[]', selector], ['start', String(start)], ['end', String(end)]]),
  };
}

export interface AlertingStack {
  webhook: AlertWebhook;
  alertmanager: Daemon;
  prometheus: Prometheus;
  /** Prometheus, then Alertmanager, then the webhook. */
  stop(): Promise<void>;
}

/** A webhook, Alertmanager routing to it, and Prometheus scraping `exporter` with the shipped rules (every `for:` set to `forSeconds`). */
export async function startAlertingStack(options: { dir: string; exporter: string; forSeconds: number }): Promise<AlertingStack> {
  const webhook = await startAlertWebhook();
  const alertmanager = await startAlertmanager({ dir: join(options.dir, 'alertmanager'), webhookUrl: webhook.url });
  const rulesFile = join(options.dir, 'ehlo-exporter.rules.yml');
  await writeFile(rulesFile, rulesWithShortFor(await readFile(join(REPO_ROOT, 'config', 'prometheus', 'ehlo-exporter.rules.yml'), 'utf8'), options.forSeconds));
  const prometheus = await startPrometheus({ dir: join(options.dir, 'prometheus'), exporter: options.exporter, rulesFile, alertmanager: new URL(alertmanager.url).host });
  return {
    webhook,
    alertmanager,
    prometheus,
    async stop() {
      await prometheus.stop();
      await alertmanager.stop();
      await webhook.close();
    },
  };
}
