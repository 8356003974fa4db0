// A private Knot DNS server per test file, on 127.0.0.1 and ::1 at a free port: real answers
// (NXDOMAIN, SERVFAIL from a zone it cannot load, CNAMEs, TTLs) instead of a stubbed resolver.
// Zones are rewritten and reloaded with knotc, as an operator would. Runs as root (NOTES.md: root
// cannot write into a rundir owned by another user), as in CI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export interface KnotServer {
  port: number;
  /** For node:dns setServers / --dns-server / dns.servers. */
  servers: string[];
  /** Replace a zone's records (zone-file body after $ORIGIN/$TTL/SOA/NS) and reload it; waits until the new serial answers. */
  setZone(zone: string, records: string): Promise<void>;
  stop(): Promise<void>;
}

export function knotUnavailableReason(): string | null {
  if (!existsSync('/usr/sbin/knotd') || !existsSync('/usr/sbin/knotc')) return 'Knot DNS is not installed (apt-get install knot knot-dnsutils)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'knotd runs as root:root here';
  return null;
}

function zoneText(zone: string, serial: number, records: string): string {
  return `$ORIGIN ${zone}.\n$TTL 60\n@ SOA ns hostmaster ${serial} 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n${records}\n`;
}

/**
 * `zones`: name → records; `broken`: zones knot is configured for but cannot load (they answer
 * SERVFAIL); `signed`: zones knot signs itself (DNSSEC, its default policy: ECDSA P-256 KSK + ZSK).
 */
export async function startKnot(zones: Record<string, string>, broken: readonly string[] = [], signed: readonly string[] = []): Promise<KnotServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-knot-'));
  const port = await freePort();
  const serials = new Map<string, number>();
  for (const [zone, records] of Object.entries(zones)) {
    serials.set(zone, 1);
    await writeFile(join(dir, `${zone}.zone`), zoneText(zone, 1, records));
  }
  for (const zone of broken) await writeFile(join(dir, `${zone}.zone`), 'this is not a zone file\n');
  const conf = join(dir, 'knot.conf');
  await writeFile(
    conf,
    [
      'server:',
      `  listen: [127.0.0.1@${port}, ::1@${port}]`,
      `  rundir: ${dir}`,
      '  user: root:root',
      'log:',
      '  - target: stderr',
      '    any: error',
      'database:',
      `  storage: ${dir}`,
      'template:',
      '  - id: default',
      `    storage: ${dir}`,
      '    zonefile-sync: -1',
      '    journal-content: none',
      'zone:',
      ...[...Object.keys(zones), ...broken].flatMap((z) => [`  - domain: ${z}`, `    file: ${z}.zone`, ...(signed.includes(z) ? ['    dnssec-signing: on'] : [])]),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/knotd', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const knotc = (...args: string[]) => run('/usr/sbin/knotc', ['-c', conf, ...args], { timeout: 10_000 });
  const serialOf = async (zone: string): Promise<number | undefined> => {
    const { stdout } = await run('/usr/bin/kdig', [`@127.0.0.1`, '-p', String(port), 'SOA', `${zone}.`, '+short', '+time=1', '+retry=0']);
    const serial = Number(stdout.trim().split(/\s+/)[2]);
    return Number.isFinite(serial) ? serial : undefined;
  };
  const first = Object.keys(zones)[0];
  if (first !== undefined) {
    await waitFor(`knotd on port ${port} to serve ${first} (stderr: ${stderr})`, async () => (child.exitCode === null ? (await serialOf(first)) === 1 : undefined), 10_000);
  }
  return {
    port,
    servers: [`127.0.0.1:${port}`, `[::1]:${port}`],
    async setZone(zone, records) {
      const serial = (serials.get(zone) ?? 0) + 1;
      serials.set(zone, serial);
      await writeFile(join(dir, `${zone}.zone`), zoneText(zone, serial, records));
      await knotc('zone-reload', `${zone}.`);
      await waitFor(`knot to serve ${zone} serial ${serial}`, async () => ((await serialOf(zone)) === serial ? true : undefined), 10_000);
    },
    async stop() {
      await knotc('stop').catch(() => child.kill('SIGTERM'));
      await waitFor('knotd to exit', () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 10_000).catch(() => child.kill('SIGKILL'));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
