// The shipped sharding examples stay consistent: the StatefulSet's replicas and --shard.count
// agree, its embedded config loads, Prometheus scrapes as many replicas, and promtool accepts it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load-config.js';
import { runTool, toolAvailable } from '../rules/external-tool.js';
import { describeWithReal } from '../support/require-real.js';
import { REPO_ROOT } from '../support/exporter-process.js';

const STATEFULSET = join(REPO_ROOT, 'config', 'kubernetes', 'statefulset.yml');
const PROMETHEUS = join(REPO_ROOT, 'config', 'prometheus', 'prometheus-sharded.yml');

type Doc = { kind: string; spec?: Record<string, unknown>; data?: Record<string, string> };
const docs = parseAllDocuments(readFileSync(STATEFULSET, 'utf8')).map((d) => d.toJS() as Doc);
const statefulSet = docs.find((d) => d.kind === 'StatefulSet')!;
const spec = statefulSet.spec as { replicas: number; template: { spec: { containers: Array<{ args: string[] }> } } };
const args = spec.template.spec.containers[0]!.args;

it('the StatefulSet runs --shard.count = replicas and takes --shard.index from the pod ordinal', () => {
  expect(args).toContain(`--shard.count=${spec.replicas}`);
  expect(args).toContain('--shard.index=$(POD_INDEX)');
});

it('the StatefulSet ConfigMap holds a config the exporter loads', () => {
  const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-k8s-'));
  try {
    const file = join(dir, 'ehlo-exporter.yml');
    writeFileSync(file, configMap.data!['ehlo-exporter.yml']!);
    expect(loadConfigFile(file, { defaultHeloName: 'probe.example.com' }).targets.length).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the sharded Prometheus example scrapes every replica of the StatefulSet', () => {
  const prom = parse(readFileSync(PROMETHEUS, 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
  const job = prom.scrape_configs.find((j) => j.job_name === 'ehlo-exporter')!;
  const targets = job.static_configs.flatMap((s) => s.targets);
  expect(targets).toEqual(Array.from({ length: spec.replicas }, (_, i) => `ehlo-exporter-${i}.ehlo-exporter.monitoring.svc:9525`));
});

const promtool = toolAvailable('promtool');
describeWithReal('promtool', promtool ? null : 'promtool is not installed (apt-get install prometheus)', () => {
  it('accepts the sharded Prometheus example', () => {
    const run = runTool('promtool', ['check', 'config', PROMETHEUS]);
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });
});
