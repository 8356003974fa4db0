// DNSSEC for tests, for real: a private knotd (test/support/knot-server.ts) serving zones it signs
// itself, zones left unsigned and zones whose trust anchor does not match (bogus), behind a private
// validating unbound that trusts each signed zone's KSK, so the AD bit and the SERVFAIL of bogus
// data come from a real validator. Zones can be rewritten at run time; unbound's cache for the zone
// is flushed then, so a test sees the new records at once. Runs as root (see NOTES.md).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { associationData } from '../../src/smtp/dane-match.js';
import type { TlsaRecord } from '../../src/smtp/types.js';
import { freePort } from './free-port.js';
import { knotUnavailableReason, startKnot, type KnotServer } from './knot-server.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const UNBOUND = '/usr/sbin/unbound';
const UNBOUND_CONTROL = '/usr/sbin/unbound-control';

export interface DnssecZones {
  /** Signed by knot; unbound holds their KSK as trust anchor: answers carry AD. */
  signed?: Record<string, string>;
  /** Served unsigned, no trust anchor: answers are insecure (no AD). */
  unsigned?: Record<string, string>;
  /** Signed by knot, but unbound's trust anchor is a key the zone does not have: every answer is bogus (SERVFAIL; CD=1 answers). */
  bogus?: Record<string, string>;
  /** Zones knot cannot load: SERVFAIL with and without CD=1, a failure that is not DNSSEC's. */
  broken?: readonly string[];
}

export interface DnssecResolver {
  /** The validating resolver, "127.0.0.1:PORT": for dns.servers / --dns-server. */
  server: string;
  /** The same resolver over IPv6, "[::1]:PORT". */
  server6: string;
  /** The authoritative server behind it. */
  knot: KnotServer;
  /** Replace a zone's records (zone-file body, as knot-server.ts's setZone), re-sign, and flush unbound's cache for it. */
  setZone(zone: string, records: string): Promise<void>;
  stop(): Promise<void>;
}

export function dnssecUnavailableReason(): string | null {
  const knot = knotUnavailableReason();
  if (knot !== null) return knot;
  if (!existsSync(UNBOUND) || !existsSync(UNBOUND_CONTROL)) return 'unbound is not installed (apt-get install unbound)';
  return null;
}

export async function startDnssecResolver(zones: DnssecZones): Promise<DnssecResolver> {
  const signed = { ...zones.signed, ...zones.bogus };
  const all = { ...signed, ...zones.unsigned };
  const broken = zones.broken ?? [];
  const knot = await startKnot(all, broken, Object.keys(signed));
  try {
    const anchors: string[] = [];
    for (const zone of Object.keys(signed)) {
      const ksk = await kskOf(knot.port, zone);
      anchors.push(`${zone}. DNSKEY ${Object.hasOwn(zones.bogus ?? {}, zone) ? wrongKey(ksk) : ksk}`);
    }
    return await startUnbound(knot, [...Object.keys(all), ...broken], anchors);
  } catch (err) {
    await knot.stop();
    throw err;
  }
}

/** The zone's key-signing key as "257 3 13 <base64>", once knot has signed the zone. */
async function kskOf(port: number, zone: string): Promise<string> {
  return waitFor(`knot to sign ${zone}`, async () => {
    const { stdout } = await run('/usr/bin/kdig', ['@127.0.0.1', '-p', String(port), 'DNSKEY', `${zone}.`, '+short', '+time=1', '+retry=0']);
    return stdout.split('\n').find((line) => line.startsWith('257 '));
  }, 10_000);
}

/** The same algorithm and length, another key: validation against it must fail. */
function wrongKey(ksk: string): string {
  const [flags, protocol, algorithm, key] = ksk.split(' ');
  const bytes = Buffer.from(key!, 'base64');
  bytes[0] = bytes[0]! ^ 0xff;
  return `${flags} ${protocol} ${algorithm} ${bytes.toString('base64')}`;
}

async function startUnbound(knot: KnotServer, zones: readonly string[], anchors: readonly string[]): Promise<DnssecResolver> {
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-unbound-'));
  const port = await freePort();
  const conf = join(dir, 'unbound.conf');
  await writeFile(
    conf,
    [
      'server:',
      `  interface: 127.0.0.1@${port}`,
      `  interface: ::1@${port}`,
      `  port: ${port}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      `  pidfile: "${join(dir, 'unbound.pid')}"`,
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 0',
      '  num-threads: 1',
      '  do-ip6: yes',
      // The authoritative server is on loopback, which unbound refuses to ask by default.
      '  do-not-query-localhost: no',
      // "test." is a special-use name (RFC 6761) that unbound answers itself unless told not to.
      '  local-zone: "test." nodefault',
      '  qname-minimisation: no',
      '  module-config: "validator iterator"',
      ...anchors.map((anchor) => `  trust-anchor: "${anchor}"`),
      'remote-control:',
      '  control-enable: yes',
      `  control-interface: "${join(dir, 'control.sock')}"`,
      '  control-use-cert: no',
      ...zones.flatMap((zone) => ['stub-zone:', `  name: "${zone}."`, `  stub-addr: 127.0.0.1@${knot.port}`]),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(UNBOUND, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const control = (...args: string[]) => run(UNBOUND_CONTROL, ['-c', conf, ...args], { timeout: 10_000 });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitFor('unbound to exit', () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 10_000).catch(() => child.kill('SIGKILL'));
    }
    await rm(dir, { recursive: true, force: true });
    await knot.stop();
  };
  try {
    await waitFor(`unbound on port ${port}`, async () => (child.exitCode === null ? await control('status').then(() => true, () => undefined) : undefined), 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; unbound's stderr: ${stderr}`);
  }
  return {
    server: `127.0.0.1:${port}`,
    server6: `[::1]:${port}`,
    knot,
    async setZone(zone, records) {
      await knot.setZone(zone, records);
      // Records, negative answers, and the keys: a re-signed zone must not meet a stale key cache.
      await control('flush_zone', `${zone}.`);
      await control('flush_bogus');
      await control('flush_negative');
    },
    stop,
  };
}

/** The TLSA record a zone would publish for this certificate (RFC 6698 §2.1), e.g. tlsaFor(pem, 3, 1, 1). */
export function tlsaFor(certPem: string, usage: number, selector: number, matchingType: number): TlsaRecord {
  return { usage, selector, matching_type: matchingType, data: associationData(new X509Certificate(certPem), selector, matchingType) };
}

/** A zone-file line for `record` at `owner` (relative to the zone, e.g. "_25._tcp.mx"). */
export function tlsaLine(owner: string, record: TlsaRecord): string {
  return `${owner} TLSA ${record.usage} ${record.selector} ${record.matching_type} ${record.data}`;
}
