// Inputs that stalled or exhausted the exporter process (issue 15): special and oversized files as
// config, CA or web config; a reader that closes stdout; durations past Node's timers; /probe by
// a configured name that is not a host name. Each runs the built exporter as a real process.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRawServer, smtp, ehloReply, type RawServer } from '../hostile/raw-smtp-server.js';
import { ensureBuilt, MAIN_JS, REPO_ROOT, startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { sampleValue } from '../support/scrape.js';
import { waitFor } from '../support/wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'ehlo-inputs-'));
const fifo = join(dir, 'fifo');
const valid = join(dir, 'valid.yml');

beforeAll(async () => {
  await ensureBuilt();
  execFileSync('mkfifo', [fifo]);
  writeFileSync(valid, 'groups:\n  - name: mx\n    targets: [mx1.example.test, mx2.example.test]\n');
});
// After the suites' own afterAll hooks have stopped their exporters.
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `ehlo-exporter ARGS` to the end, bounded: a hang fails the test instead of stalling it. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN_JS, ...args], { cwd: REPO_ROOT, timeout: 20_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

function withCa(caFile: string): string {
  const file = join(dir, `ca-${caFile.replace(/\W/g, '_')}.yml`);
  writeFileSync(file, `defaults:\n  tls: { ca_file: ${caFile} }\ngroups:\n  - name: mx\n    targets: [mx1.example.test]\n`);
  return file;
}

describe('special and oversized files', () => {
  it.each([
    ['/dev/zero', 'is a character device; only a regular file can be read'],
    [fifo, 'is a named pipe; only a regular file can be read'],
  ])('check-config %s refuses it at once', async (file, reason) => {
    const r = await run(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: cannot read config file: ${reason}`);
  });

  it('check-config refuses a config larger than 16 MiB', async () => {
    const big = join(dir, 'big.yml');
    writeFileSync(big, `# ${'x'.repeat(16 * 1024 * 1024)}\n`);
    const r = await run(['check-config', big]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('larger than the limit of 16 MiB');
  });

  it.each([
    ['/dev/zero', 'is a character device'],
    [fifo, 'is a named pipe'],
    ['/dev/null', 'is a character device'],
    ['/etc/passwd', 'holds no PEM certificate'],
  ])('a ca_file %s is refused by check-config and at start-up', async (caFile, reason) => {
    const config = withCa(caFile);
    const check = await run(['check-config', config]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`defaults.tls.ca_file: cannot use CA file "${caFile}": ${reason}`);
    const start = await run([`--config.file=${config}`, '--storage.path=:memory:', '--web.listen-address=127.0.0.1:0']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(reason);
  });

  it('a web config that is a named pipe is refused at start-up', async () => {
    const start = await run([`--config.file=${valid}`, `--web.config.file=${fifo}`, '--storage.path=:memory:', '--web.listen-address=127.0.0.1:0']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`${fifo}: cannot read web config file: is a named pipe`);
  });

  it('a reload onto a CA file that is /dev/zero fails fast and the exporter stays healthy', async () => {
    const config = join(dir, 'reload.yml');
    writeFileSync(config, 'groups:\n  - name: mx\n    targets: [mx1.example.test]\n');
    const exporter = await startExporter([`--config.file=${config}`, '--storage.path=:memory:', '--log.level=error']);
    try {
      writeFileSync(config, 'defaults:\n  tls: { ca_file: /dev/zero }\ngroups:\n  - name: mx\n    targets: [mx1.example.test]\n');
      const reload = await fetch(`${exporter.url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      expect(reload.status).toBe(500);
      expect(await reload.text()).toContain('is a character device');
      expect((await fetch(`${exporter.url}/-/healthy`, { signal: AbortSignal.timeout(1000) })).status).toBe(200);
    } finally {
      await exporter.stop('SIGKILL');
    }
  });
});

describe('output and arguments', () => {
  it('check-config | head -1 ends quietly with exit 0', async () => {
    const many = join(dir, 'many.yml');
    const targets = Array.from({ length: 20_000 }, (_, i) => `mx${i}.example.test`).join(', ');
    writeFileSync(many, `groups:\n  - name: mx\n    targets: [${targets}]\n`);
    const child = spawn(process.execPath, [MAIN_JS, 'check-config', many], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // `head -1`: read the first chunk, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);

  it.each([
    ['0s', '--timeout must be positive, got "0s"'],
    ['-5s', '--timeout must be positive, got "-5s"'],
    ['25d', '--timeout must be at most 5m, got "25d"'],
    ['99999999999999999999y', '--timeout must be at most 5m, got "99999999999999999999y"'],
  ])('probe --timeout %s names the real problem', async (timeout, message) => {
    const r = await run(['probe', '127.0.0.1:9', `--timeout=${timeout}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('/probe by configured name', () => {
  let v6: RawServer;
  let v4: RawServer;
  let exporter: ExporterProcess;
  beforeAll(async () => {
    const script = smtp((socket) => socket.write(ehloReply(['SIZE 1000'])));
    v6 = await startRawServer(script, '::1');
    v4 = await startRawServer(script);
    const config = join(dir, 'named.yml');
    writeFileSync(
      config,
      `defaults:\n  schedule: "*/2 * * * * *"\n  timeout: 5s\n  helo_name: probe.test\n  starttls: never\npoliteness: { min_gap: 0s }\n` +
        `groups:\n  - name: eu\n    targets:\n      - { target: "[::1]:${v6.port}", name: v6 }\n      - { target: "127.0.0.1:${v4.port}", name: eu/mx1 }\n`,
    );
    exporter = await startExporter([`--config.file=${config}`, '--storage.path=:memory:', '--log.level=error']);
  });
  afterAll(async () => {
    await exporter?.stop('SIGKILL');
    await v6?.close();
    await v4?.close();
  });

  it.each(['v6', 'eu/mx1'])('/probe?target=%s carries exactly the labels /metrics gives it', async (name) => {
    const metrics = await waitFor(`a scheduled probe of ${name}`, async () => {
      const text = await (await fetch(`${exporter.url}/metrics`)).text();
      return sampleValue(text, 'smtp_probe_success', { target: name, group: 'eu' }) === 1 ? text : undefined;
    });
    const scheduled = metrics.split('\n').find((l) => l.startsWith('smtp_size_limit_bytes{') && l.includes(`target="${name}"`));
    const res = await fetch(`${exporter.url}/probe?target=${encodeURIComponent(name)}`);
    expect(res.status).toBe(200);
    const probed = (await res.text()).split('\n').find((l) => l.startsWith('smtp_size_limit_bytes{'));
    expect(probed).toBe(scheduled);
  });
});
