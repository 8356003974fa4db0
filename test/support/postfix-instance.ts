// A private Postfix instance per test file: its own config directory, queue and loopback port, so
// tests can change message_size_limit or STARTTLS and `postfix reload` without touching each other
// or the machine's own mail system. Needs root (as in CI) and Debian's postfix package.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = '/tmp/ehlo-exporter-postfix';
const SLOTS = 8;
const slotDirs = Array.from({ length: SLOTS }, (_, i) => join(ROOT, `slot${i}`, 'etc'));

export interface PostfixInstance {
  host: '127.0.0.1';
  port: number;
  /** PEM of the instance's self-signed STARTTLS certificate (CN=localhost). */
  certificatePem: string;
  /** `postconf -e` each setting, then `postfix reload`. */
  reconfigure(settings: Record<string, string>): Promise<void>;
  /** `postfix stop`, keeping the slot and its settings: an outage that startServer() ends. */
  stopServer(): Promise<void>;
  /** `postfix start` after stopServer(), with the settings as they are now; resolves once it listens. */
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/** Why Postfix cannot run here, or null when it can. */
export function postfixUnavailableReason(): string | null {
  if (!existsSync('/usr/sbin/postfix')) return 'Postfix is not installed (apt-get install postfix)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'starting Postfix needs root';
  return null;
}


// A slot left by a killed test run: its directory is older than a minute and no master holds its lock.
async function isStale(dir: string): Promise<boolean> {
  const { stat, readFile } = await import('node:fs/promises');
  const info = await stat(dir).catch(() => null);
  if (!info || Date.now() - info.mtimeMs < 60_000) return false;
  const pid = Number((await readFile(join(dir, 'spool', 'pid', 'master.pid'), 'utf8').catch(() => '')).trim());
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function claimSlot(): Promise<number> {
  await mkdir(ROOT, { recursive: true });
  for (let i = 0; i < SLOTS; i++) {
    const dir = join(ROOT, `slot${i}`);
    if (await isStale(dir)) await rm(dir, { recursive: true, force: true });
    try {
      await mkdir(dir);
      return i;
    } catch {
      // taken by another test file that is still running
    }
  }
  throw new Error(`all ${SLOTS} Postfix slots under ${ROOT} are in use`);
}

// postfix -c refuses a config directory the default instance does not list; every caller writes
// the same complete list, so concurrent test files cannot undo each other.
async function registerSlots(): Promise<void> {
  await run('postconf', ['-e', `alternate_config_directories = ${slotDirs.join(' ')}`]);
}

function mainCf(dir: string, port: number, sizeLimit: number, extra: Record<string, string>): string {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/data`,
    `myhostname = postfix-${port}.ehlo-exporter.test`,
    'mydestination =',
    'alias_maps =',
    'alias_database =',
    'local_recipient_maps =',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `message_size_limit = ${sizeLimit}`,
    'smtpd_tls_security_level = may',
    `smtpd_tls_chain_files = ${dir}/etc/key.pem, ${dir}/etc/cert.pem`,
    `syslog_name = postfix-test-${port}`,
    `maillog_file_prefixes = ${dir}`,
    `maillog_file = ${dir}/maillog`,
    'smtpd_banner = $myhostname ESMTP ehlo-exporter test instance',
    ...Object.entries(extra).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
}

// Only the daemons an SMTP session touches, none chrooted (the test queue has no chroot jail).
function masterCf(port: number): string {
  const unix = [
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return [`127.0.0.1:${port} inet n - n - - smtpd`, ...unix, ''].join('\n');
}

async function postfix(configDir: string, command: string): Promise<void> {
  try {
    await run('postfix', ['-c', configDir, command], { timeout: 30_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`postfix -c ${configDir} ${command} failed: ${e.stderr || e.message}`);
  }
}

async function waitForListener(port: number, deadlineMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`Postfix did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `settings`: further main.cf lines from the start (e.g. SASL), so no reload races the first sessions. */
export async function startPostfix(options: { messageSizeLimit: number; settings?: Record<string, string> }): Promise<PostfixInstance> {
  const slot = await claimSlot();
  const dir = join(ROOT, `slot${slot}`);
  const configDir = join(dir, 'etc');
  const port = await freePort();
  await mkdir(configDir, { recursive: true });
  await mkdir(join(dir, 'spool'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  const { stdout: uid } = await run('id', ['-u', 'postfix']);
  await chown(join(dir, 'data'), Number(uid.trim()), 0);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(configDir, 'key.pem'), '-out', join(configDir, 'cert.pem'), '-days', '30',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  await writeFile(join(configDir, 'main.cf'), mainCf(dir, port, options.messageSizeLimit, options.settings ?? {}));
  await writeFile(join(configDir, 'master.cf'), masterCf(port));
  await registerSlots();
  await postfix(configDir, 'start');
  await waitForListener(port, 15_000);
  const { readFile } = await import('node:fs/promises');
  const certificatePem = await readFile(join(configDir, 'cert.pem'), 'utf8');
  return {
    host: '127.0.0.1',
    port,
    certificatePem,
    async reconfigure(settings) {
      const args = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
      await run('postconf', ['-c', configDir, '-e', ...args]);
      await postfix(configDir, 'reload');
    },
    async stopServer() {
      await postfix(configDir, 'stop');
    },
    async startServer() {
      await postfix(configDir, 'start');
      await waitForListener(port, 15_000);
    },
    async stop() {
      await postfix(configDir, 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
