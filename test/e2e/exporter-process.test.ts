// The exporter as an operator runs it: a real process probing a real Postfix on a schedule,
// reloaded with SIGHUP, stopped with SIGTERM, restarted on the same state file.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { postfixUnavailableReason, startPostfix, type PostfixInstance } from '../support/postfix-instance.js';
import { describeWithReal } from '../support/require-real.js';
import { sampleValue } from '../support/scrape.js';
import { waitFor } from '../support/wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'ehlo-process-'));
const configFile = join(dir, 'ehlo-exporter.yml');
const storagePath = join(dir, 'state.db');
// After the suite's own afterAll has stopped the exporter and Postfix.
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(port: number, caFile: string): void {
  writeFileSync(
    configFile,
    `defaults:
  schedule: "* * * * * *"
  timeout: 5s
  helo_name: probe.ehlo-exporter.test
  tls: { server_name: localhost, ca_file: ${caFile} }
politeness: { min_gap: 0s }
groups:
  - name: postfix
    targets:
      - target: 127.0.0.1:${port}
        name: postfix-local
`,
  );
}

async function scrape(exporter: ExporterProcess): Promise<string> {
  const res = await fetch(`${exporter.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describeWithReal('the exporter process against a real Postfix', postfixUnavailableReason(), () => {
  let postfix: PostfixInstance;
  let exporter: ExporterProcess | undefined;
  const target = { target: 'postfix-local' };

  beforeAll(async () => {
    postfix = await startPostfix({ messageSizeLimit: 10_240_000 });
    const caFile = join(dir, 'postfix-ca.pem');
    writeFileSync(caFile, postfix.certificatePem);
    writeConfig(postfix.port, caFile);
  });
  afterAll(async () => {
    await exporter?.stop('SIGKILL');
    await postfix?.stop();
  });

  it('follows message_size_limit and records size_decreased once; SIGHUP reloads; SIGTERM exits 0; a restart without probe workers adds no change', async () => {
    exporter = await startExporter([`--config.file=${configFile}`, `--storage.path=${storagePath}`, '--log.format=logfmt']);
    let text = await waitFor('SIZE 10240000 exported', async () => {
      const t = await scrape(exporter!);
      return sampleValue(t, 'smtp_size_limit_bytes', { ...target, tls: 'true' }) === 10_240_000 ? t : undefined;
    });
    expect(sampleValue(text, 'smtp_tls_cert_verified', target)).toBe(1);
    expect(sampleValue(text, 'smtp_extension_advertised', { ...target, extension: 'STARTTLS', tls: 'false' })).toBe(1);
    // By default the probes run in worker threads, one per core but the main thread's (src/main.ts).
    expect(exporter.log()).toContain(`probe_workers=${Math.max(1, availableParallelism() - 1)}`);

    await postfix.reconfigure({ message_size_limit: '5120000' });
    text = await waitFor('SIZE 5120000 exported', async () => {
      const t = await scrape(exporter!);
      return sampleValue(t, 'smtp_size_limit_bytes', { ...target, tls: 'false' }) === 5_120_000 ? t : undefined;
    });
    // Each TLS side saw the decrease: one event per side.
    await waitFor('both sides updated', async () => sampleValue(await scrape(exporter!), 'smtp_size_limit_bytes', { ...target, tls: 'true' }) === 5_120_000 || undefined);
    text = await scrape(exporter!);
    expect(sampleValue(text, 'smtp_capability_changes_total', { ...target, change: 'size_decreased' })).toBe(2);
    const changes = (await (await fetch(`${exporter.url}/api/v1/targets/postfix-local/changes`)).json()) as unknown;
    expect(JSON.stringify(changes)).toContain('"size_decreased"');
    expect(exporter.log()).toMatch(/level=info .*change=size_decreased/);

    // A broken config on SIGHUP: reported, and the running fleet keeps being probed.
    const good = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, good.replace('timeout: 5s', 'timeout: soon'));
    exporter.child.kill('SIGHUP');
    await waitFor('the failed reload in the metrics', async () => sampleValue(await scrape(exporter!), 'smtp_exporter_config_last_reload_successful') === 0 || undefined);
    expect(exporter.log()).toContain('ehlo-exporter.yml:3: defaults.timeout');
    const before = sampleValue(await scrape(exporter), 'smtp_last_probe_timestamp_seconds', target)!;
    await waitFor('probing to go on', async () => (sampleValue(await scrape(exporter!), 'smtp_last_probe_timestamp_seconds', target) ?? 0) > before || undefined);
    writeFileSync(configFile, good);
    exporter.child.kill('SIGHUP');
    await waitFor('the good reload', async () => sampleValue(await scrape(exporter!), 'smtp_exporter_config_last_reload_successful') === 1 || undefined);

    // Probes run every second, so SIGTERM finds some in flight in the workers: still exit 0.
    expect(await exporter.stop('SIGTERM')).toBe(0);
    // Restarted with the probes on the main thread: the same facts, so no change is seen.
    exporter = await startExporter([`--config.file=${configFile}`, `--storage.path=${storagePath}`, '--probe.workers=0']);
    const restartedAt = Date.now() / 1000;
    text = await waitFor('a probe after the restart', async () => {
      const t = await scrape(exporter!);
      return (sampleValue(t, 'smtp_last_probe_timestamp_seconds', target) ?? 0) > restartedAt ? t : undefined;
    });
    expect(sampleValue(text, 'smtp_capability_changes_total', { ...target, change: 'size_decreased' })).toBe(2);
    expect(sampleValue(text, 'smtp_capability_changes_total', { ...target, change: 'size_increased' })).toBeUndefined();
    expect(await exporter.stop('SIGTERM')).toBe(0);
    exporter = undefined;
    await postfix.reconfigure({ message_size_limit: '10240000' });
  });
});

describe('start-up errors are clear and change nothing', () => {
  it('refuses a corrupt state file, names it, and leaves it byte for byte', async () => {
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0x5a)]));
    const digest = () => createHash('sha256').update(readFileSync(corrupt)).digest('hex');
    const before = digest();
    writeFileSync(join(dir, 'one.yml'), 'groups:\n  - name: mx\n    targets: ["127.0.0.1:25"]\n');
    const proc = await startExporter([`--config.file=${join(dir, 'one.yml')}`, `--storage.path=${corrupt}`], { ready: false });
    expect(await proc.exited).toBe(1);
    expect(proc.log()).toContain(corrupt);
    expect(digest()).toBe(before);
  });

  it('refuses an invalid config with file, line and path, and exit 1', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'groups:\n  - name: mx\n    targets: ["mx.example.com:70000"]\n');
    const proc = await startExporter([`--config.file=${bad}`, '--storage.path=:memory:'], { ready: false });
    expect(await proc.exited).toBe(1);
    expect(proc.log()).toContain(`${bad}:3: groups[0].targets[0]: port must be 1–65535, got 70000`);
  });

  it('rejects a bad flag with exit 2', async () => {
    const proc = await startExporter(['--no-such-flag'], { ready: false });
    expect(await proc.exited).toBe(2);
    expect(proc.log()).toContain('usage: ehlo-exporter');
  });

  it.each(['-1', '257', '1.5', '2x', ''])('rejects --probe.workers=%s with exit 2, naming the flag and its range', async (value) => {
    const proc = await startExporter([`--probe.workers=${value}`], { ready: false });
    expect(await proc.exited).toBe(2);
    expect(proc.log()).toContain(`--probe.workers must be a whole number from 0 to 256, got "${value}"`);
  });
});
