// --web.listen-address as the exporter-toolkit reads it: ":PORT" serves IPv4 and IPv6 from one real
// process, the flag repeats, and a machine without IPv6 falls back to IPv4 instead of failing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bindWithFallback, parseListenAddress } from '../../src/http/listen.js';
import { RUNTIME_METRICS } from '../../src/metrics/metric-definitions.js';
import { createCa } from '../fakes/certificates.js';
import { freePort, startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { expectPromtoolClean } from '../support/promtool.js';
import { waitFor } from '../support/wait-for.js';

describe('parseListenAddress', () => {
  it.each([
    [':9525', { host: null, port: 9525 }],
    ['127.0.0.1:9525', { host: '127.0.0.1', port: 9525 }],
    ['[::1]:9525', { host: '::1', port: 9525 }],
    ['[::]:0', { host: '::', port: 0 }],
    ['localhost:9525', { host: 'localhost', port: 9525 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it.each([
    ['9525', '--web.listen-address must be HOST:PORT, [IPv6]:PORT or :PORT, got "9525"'],
    [':70000', '--web.listen-address must be HOST:PORT, [IPv6]:PORT or :PORT, got ":70000"'],
    ['::1:9525', '--web.listen-address must be HOST:PORT, [IPv6]:PORT or :PORT, got "::1:9525"'],
    ['[example.com]:9525', '--web.listen-address: "example.com" in brackets is not an IPv6 address'],
  ])('%s is refused', (text, message) => {
    expect(parseListenAddress(text)).toBe(message);
  });
});

describe('bindWithFallback', () => {
  const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it('binds ":PORT" dual stack on "::"', async () => {
    const tried: string[] = [];
    expect(await bindWithFallback({ host: null, port: 1 }, async (h) => void tried.push(h))).toBe('::');
    expect(tried).toEqual(['::']);
  });

  it.each(['EAFNOSUPPORT', 'EADDRNOTAVAIL'])('falls back to 0.0.0.0 when "::" fails with %s (no IPv6 here)', async (code) => {
    const tried: string[] = [];
    const bind = async (h: string) => {
      tried.push(h);
      if (h === '::') throw errno(code);
    };
    expect(await bindWithFallback({ host: null, port: 1 }, bind)).toBe('0.0.0.0');
    expect(tried).toEqual(['::', '0.0.0.0']);
  });

  it('does not hide a port in use behind the fallback, nor try another host for an explicit one', async () => {
    await expect(bindWithFallback({ host: null, port: 1 }, async () => Promise.reject(errno('EADDRINUSE')))).rejects.toThrow('EADDRINUSE');
    const tried: string[] = [];
    const failing = async (h: string) => {
      tried.push(h);
      throw errno('EAFNOSUPPORT');
    };
    await expect(bindWithFallback({ host: '::1', port: 1 }, failing)).rejects.toThrow('EAFNOSUPPORT');
    expect(tried).toEqual(['::1']);
  });
});

// Each test starts a real exporter process: on a loaded machine that alone can take seconds.
describe('the exporter process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-listen-'));
  const config = join(dir, 'ehlo-exporter.yml');
  // Port 9 (discard) on loopback: refused, quickly; the tests are about the HTTP side.
  writeFileSync(config, 'groups:\n  - name: g\n    targets: ["127.0.0.1:9"]\n');
  const args = [`--config.file=${config}`, '--storage.path=:memory:'];
  const running: ExporterProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function status(url: string): Promise<number | string> {
    return fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      (e: Error) => (e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.message,
    );
  }

  it('with --web.listen-address=:PORT serves /metrics on [::1] and 127.0.0.1, logs in logfmt, and the exposition passes promtool', async (ctx) => {
    const port = await freePort();
    const exporter = await startExporter(args, { port, listen: [`:${port}`] });
    running.push(exporter);
    const res = await fetch(`http://[::1]:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(await status(`http://127.0.0.1:${port}/-/healthy`)).toBe(200);
    for (const { name } of RUNTIME_METRICS) expect(text, name).toContain(`# TYPE ${name} `);
    // logfmt is the default, as in the exporter-toolkit.
    expect(exporter.log()).toMatch(new RegExp(`level=info addresses=\\[::\\]:${port} msg=listening`));
    expectPromtoolClean(text, ctx);
  }, 60_000);

  it('serves every --web.listen-address given, only those, and closes them all on SIGTERM', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const exporter = await startExporter(args, { port: p1, listen: [`127.0.0.1:${p1}`, `[::1]:${p2}`] });
    expect(await status(`http://127.0.0.1:${p1}/-/healthy`)).toBe(200);
    expect(await status(`http://[::1]:${p2}/metrics`)).toBe(200);
    expect(await status(`http://[::1]:${p1}/-/healthy`)).toBe('ECONNREFUSED');
    expect(await status(`http://127.0.0.1:${p2}/-/healthy`)).toBe('ECONNREFUSED');
    expect(await exporter.stop('SIGTERM'), exporter.log()).toBe(0);
    expect(await status(`http://[::1]:${p2}/-/healthy`)).toBe('ECONNREFUSED');
  }, 60_000);

  it('serves TLS from the web config on every listener, the extra ones included', async () => {
    const ca = createCa();
    const leaf = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1', '::1'] });
    writeFileSync(join(dir, 'cert.pem'), leaf.cert);
    writeFileSync(join(dir, 'key.pem'), leaf.key);
    writeFileSync(join(dir, 'web.yml'), 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n');
    const [p1, p2] = [await freePort(), await freePort()];
    const exporter = await startExporter([...args, `--web.config.file=${join(dir, 'web.yml')}`], { port: p1, ready: false, listen: [`:${p1}`, `127.0.0.1:${p2}`] });
    running.push(exporter);
    const get = (host: string, port: number) =>
      new Promise<number>((resolve, reject) => {
        const req = https.get({ host, port, path: '/-/healthy', ca: ca.cert, servername: 'localhost', agent: false, timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
      });
    await waitFor('the exporter to serve TLS', () => get('127.0.0.1', p2).catch(() => undefined), 20_000);
    expect(await get('::1', p1)).toBe(200);
    expect(await get('127.0.0.1', p1)).toBe(200);
    expect(await get('127.0.0.1', p2)).toBe(200);
  }, 60_000);

  it('exits 1 naming the address when one of several cannot be bound', async () => {
    const port = await freePort();
    const exporter = await startExporter(args, { port, ready: false, listen: [`127.0.0.1:${port}`, `127.0.0.1:${port}`] });
    expect(await exporter.exited).toBe(1);
    expect(exporter.log()).toContain(`ehlo-exporter: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
  }, 60_000);
});
