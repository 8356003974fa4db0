// Resolution: the layers merge key by key into complete, frozen targets; real files are read
// from disk, including the shipped default config and the larger example.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, loadConfigFile, parseConfigText } from '../../src/config/index.js';
import type { ExporterConfig, TargetConfig } from '../../src/config/index.js';
import { defaultHeloName } from '../../src/probe/probe-options.js';
import { createCa } from '../fakes/certificates.js';

const opts = { defaultHeloName: 'probe.test' };
const parse = (text: string): ExporterConfig => parseConfigText(text, 'test.yml', opts);

function target(cfg: ExporterConfig, name: string): TargetConfig {
  const t = cfg.targets.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no target ${name} in ${cfg.targets.map((x) => x.name).join(', ')}`);
  return t;
}

function loadError(file: string): ConfigError {
  try {
    loadConfigFile(file, opts);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected ${file} to be rejected`);
}

/** The uid and gid of Debian's "nobody". */
const NOBODY = 65534;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ehlo-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the shipped config files', () => {
  it('config/ehlo-exporter.yml loads as is and probes localhost:25 every minute', () => {
    const cfg = loadConfigFile('config/ehlo-exporter.yml');
    expect(cfg.groups).toHaveLength(1);
    expect(cfg.targets.map((t) => [t.name, t.host, t.port, t.schedule])).toEqual([
      ['localhost:25', 'localhost', 25, '0 * * * * *'],
    ]);
    // Without an explicit default the EHLO name is the probe's default: this machine's FQDN.
    expect(cfg.defaults.helo_name).toBe(defaultHeloName());
  });

  it('config/examples/fleet.yml loads: MX pool, submission on 587, implicit TLS on 465', () => {
    const cfg = loadConfigFile('config/examples/fleet.yml', opts);
    expect(cfg.groups.map((g) => g.name)).toEqual(['mx', 'submission', 'submissions']);
    expect(target(cfg, 'smtp.example.com:587').probe).toMatchObject({ starttls: 'required', implicit_tls: false });
    expect(target(cfg, 'smtp.example.com:465').probe.implicit_tls).toBe(true);
    expect(target(cfg, 'smtp-alt.example.com:4650').probe.implicit_tls).toBe(true);
    expect(target(cfg, 'mx-backup.example.com:25').expectations.min_size_bytes).toBe(10485760);
    expect(target(cfg, 'mx1.example.com:25').expectations.min_size_bytes).toBe(26214400);
  });
});

describe('resolution', () => {
  it('applies built-in defaults when only groups are given', () => {
    const cfg = parse('groups:\n  - name: mx\n    targets: [mx1.example.com]\n');
    expect(cfg.defaults).toEqual({
      helo_name: 'probe.test',
      starttls: 'auto',
      implicit_tls: false,
      timeout_seconds: 10,
      tls: { server_name: null, ca_file: null, fail_on_verify_error: false, min_version: 'TLSv1.2' },
    });
    expect(cfg.politeness).toEqual({ max_concurrency: 64, min_gap_seconds: 1, backoff_initial_seconds: 60, backoff_max_seconds: 3600 });
    expect(cfg.probe_endpoint).toEqual({ allow: [], per_target_per_minute: 6, total_per_minute: 60 });
    expect(cfg.storage).toEqual({ retention_days: 30 });
    expect(cfg.targets[0]).toEqual({
      name: 'mx1.example.com:25',
      host: 'mx1.example.com',
      port: 25,
      group: 'mx',
      schedule: '0 * * * * *',
      probe: cfg.defaults,
      expectations: {},
    });
  });

  it('merges defaults ← group ← target key by key, tls and expect included', () => {
    const cfg = parse(`
defaults:
  schedule: "0 */2 * * * *"
  timeout: 10s
  helo_name: probe.example.com
  tls: { min_version: TLSv1.3, fail_on_verify_error: true }
  expect: { auth_requires_tls: true }
groups:
  - name: mx
    timeout: 15s
    tls: { server_name: mx.example.com }
    expect: { starttls: required, min_size_bytes: 1000, required_extensions: [pipelining, 8bitmime, PIPELINING] }
    targets:
      - mx1.example.com
      - target: "[2001:db8::25]:25"
        name: mx2
        starttls: required
        helo_name: "[192.0.2.9]"
        tls: { fail_on_verify_error: false }
        expect: { min_size_bytes: 2000 }
  - name: other
    schedule: "*/30 * * * * *"
    targets: [other.example.com]
`);
    const mx1 = target(cfg, 'mx1.example.com:25');
    const mx2 = target(cfg, 'mx2');
    const other = target(cfg, 'other.example.com:25');
    expect(mx1.schedule).toBe('0 */2 * * * *');
    expect(other.schedule).toBe('*/30 * * * * *');
    expect(mx1.probe).toEqual({
      helo_name: 'probe.example.com',
      starttls: 'auto',
      implicit_tls: false,
      timeout_seconds: 15,
      tls: { server_name: 'mx.example.com', ca_file: null, fail_on_verify_error: true, min_version: 'TLSv1.3' },
    });
    expect(mx2).toMatchObject({ host: '2001:db8::25', port: 25 });
    expect(mx2.probe).toEqual({
      helo_name: '[192.0.2.9]',
      starttls: 'required',
      implicit_tls: false,
      timeout_seconds: 15,
      tls: { server_name: 'mx.example.com', ca_file: null, fail_on_verify_error: false, min_version: 'TLSv1.3' },
    });
    // Keywords are upper-cased and de-duplicated; a target's key replaces the group's, others are inherited.
    expect(mx1.expectations).toEqual({
      auth_requires_tls: true,
      starttls: 'required',
      min_size_bytes: 1000,
      required_extensions: ['PIPELINING', '8BITMIME'],
    });
    expect(mx2.expectations).toMatchObject({ min_size_bytes: 2000, starttls: 'required', auth_requires_tls: true });
    expect(other.probe.timeout_seconds).toBe(10);
    expect(other.expectations).toEqual({ auth_requires_tls: true });
  });

  it('reads every target form, with port 25 by default and implicit TLS by default on 465', () => {
    const cfg = parse(
      'groups:\n  - name: g\n    targets:\n' +
        ['mx.example.com', 'mx.example.com:587', '192.0.2.1:2525', '"[2001:db8::1]:465"', '"[::1]"', 'smtp.example.com:465']
          .map((t) => `      - ${t}\n`)
          .join(''),
    );
    expect(cfg.targets.map((t) => [t.name, t.host, t.port, t.probe.implicit_tls])).toEqual([
      ['mx.example.com:25', 'mx.example.com', 25, false],
      ['mx.example.com:587', 'mx.example.com', 587, false],
      ['192.0.2.1:2525', '192.0.2.1', 2525, false],
      ['[2001:db8::1]:465', '2001:db8::1', 465, true],
      ['[::1]:25', '::1', 25, false],
      ['smtp.example.com:465', 'smtp.example.com', 465, true],
    ]);
  });

  it('lets an explicit implicit_tls win over the port 465 rule, at any level', () => {
    const cfg = parse(`
groups:
  - name: a
    targets:
      - { target: "a.example:465", implicit_tls: false }
      - { target: "b.example:2465", implicit_tls: true }
  - name: b
    implicit_tls: false
    targets: ["c.example:465"]
`);
    expect(cfg.targets.map((t) => t.probe.implicit_tls)).toEqual([false, true, false]);
    const all = parse('defaults:\n  implicit_tls: true\ngroups:\n  - name: a\n    targets: [a.example]\n');
    expect(all.targets[0]?.probe.implicit_tls).toBe(true);
    expect(all.defaults.implicit_tls).toBe(true);
  });

  it('flattens targets in file order and shares the objects with their groups', () => {
    const cfg = parse(
      'groups:\n  - name: a\n    targets: [a1.example, a2.example]\n  - name: b\n    targets: [b1.example]\n  - name: c\n    targets: [c1.example, c2.example]\n',
    );
    expect(cfg.targets.map((t) => `${t.group}/${t.host}`)).toEqual(['a/a1.example', 'a/a2.example', 'b/b1.example', 'c/c1.example', 'c/c2.example']);
    expect(cfg.targets[2]).toBe(cfg.groups[1]?.targets[0]);
  });

  it('shares one probe settings object and one expectations object between targets whose settings are equal', () => {
    const cfg = parse(
      'groups:\n  - name: a\n    expect: {starttls: required}\n    targets: [a1.example, a2.example, {target: a3.example, timeout: 3s}, {target: a4.example, expect: {min_size_bytes: 2000}}]\n  - name: b\n    targets: [b1.example]\n',
    );
    const [a1, a2, a3, a4, b1] = ['a1', 'a2', 'a3', 'a4', 'b1'].map((n) => target(cfg, `${n}.example:25`));
    expect(a2!.probe).toBe(a1!.probe);
    expect(a2!.expectations).toBe(a1!.expectations);
    expect(a3!.probe).not.toBe(a1!.probe);
    expect(a3!.probe.timeout_seconds).toBe(3);
    expect(a3!.expectations).toBe(a1!.expectations);
    expect(a4!.expectations).not.toBe(a1!.expectations);
    expect(a4!.expectations).toEqual({ starttls: 'required', min_size_bytes: 2000 });
    expect(b1!.probe).toBe(a1!.probe);
    expect(b1!.expectations).toEqual({});
  });

  it('allows the same host:port in two groups when the names differ', () => {
    const cfg = parse(
      'groups:\n  - name: a\n    targets: [mx.example]\n  - name: b\n    targets: [{ target: mx.example, name: mx-strict, starttls: required }]\n',
    );
    expect(cfg.targets.map((t) => t.name)).toEqual(['mx.example:25', 'mx-strict']);
  });

  it('reads domains (short and long form) with their own overrides, dns at the top and per group, and all_addresses', () => {
    const cfg = parse(
      [
        'dns:',
        '  servers: ["127.0.0.1:5353", "[::1]:53", 192.0.2.53]',
        '  timeout: 2s',
        '  refresh: 10m',
        'groups:',
        '  - name: inbound',
        '    starttls: required',
        '    dns: { min_refresh: 1m, keep_last_good: 30m }',
        '    domains:',
        '      - Example.COM.',
        '      - { domain: example.net, port: 2525, starttls: auto, expect: { min_size_bytes: 1000 } }',
        '  - name: hosts',
        '    targets: [{ target: mx.example.org, all_addresses: true }, mx2.example.org]',
        '',
      ].join('\n'),
    );
    expect(cfg.dns).toEqual({ servers: ['127.0.0.1:5353', '[::1]:53', '192.0.2.53:53'], timeout_seconds: 2, refresh_seconds: 600, min_refresh_seconds: 30, keep_last_good_seconds: 3600 });
    const [inbound, hosts] = cfg.groups;
    expect(inbound!.targets).toEqual([]);
    expect(inbound!.dns).toEqual({ ...cfg.dns, min_refresh_seconds: 60, keep_last_good_seconds: 1800 });
    expect(cfg.domains.map((d) => [d.domain, d.port, d.group, d.probe.starttls, d.expectations])).toEqual([
      ['example.com', 25, 'inbound', 'required', {}],
      ['example.net', 2525, 'inbound', 'auto', { min_size_bytes: 1000 }],
    ]);
    expect(cfg.domains[0]!.dns).toBe(inbound!.dns);
    expect(hosts!.dns).toEqual(cfg.dns);
    expect(hosts!.targets.map((t) => [t.name, t.all_addresses ?? false])).toEqual([
      ['mx.example.org:25', true],
      ['mx2.example.org:25', false],
    ]);
  });

  it('layers policy: top level ← group ← domain, key by key, defaults on for domains, ca_file relative to the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), createCa().cert);
      const file = join(dir, 'cfg.yml');
      writeFileSync(
        file,
        [
          'policy: { fetch_timeout: 3s }',
          'groups:',
          '  - name: inbound',
          '    policy: { dane: false, ca_file: ca.pem }',
          '    domains:',
          '      - example.com',
          '      - { domain: example.net, policy: { dane: true, mta_sts: false, ca_file: null } }',
          '  - name: other',
          '    domains: [example.org]',
          '',
        ].join('\n'),
      );
      const cfg = loadConfigFile(file, { defaultHeloName: 'probe.test' });
      expect(cfg.policy).toEqual({ mta_sts: true, dane: true, ca_file: null, fetch_timeout_seconds: 3 });
      expect(cfg.domains.map((d) => [d.domain, d.policy])).toEqual([
        ['example.com', { mta_sts: true, dane: false, ca_file: join(dir, 'ca.pem'), fetch_timeout_seconds: 3 }],
        ['example.net', { mta_sts: false, dane: true, ca_file: null, fetch_timeout_seconds: 3 }],
        ['example.org', { mta_sts: true, dane: true, ca_file: null, fetch_timeout_seconds: 3 }],
      ]);
      expect(cfg.domains[2]!.policy).toBe(cfg.policy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is deeply frozen', () => {
    const cfg = parse('groups:\n  - name: mx\n    expect: { required_extensions: [SIZE] }\n    targets: [mx.example]\n');
    const t = cfg.targets[0] as TargetConfig;
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.groups[0])).toBe(true);
    expect(Object.isFrozen(t.probe.tls)).toBe(true);
    expect(() => {
      (t.probe as { timeout_seconds: number }).timeout_seconds = 1;
    }).toThrow(TypeError);
    expect(() => {
      (t.expectations.required_extensions as string[]).push('X');
    }).toThrow(TypeError);
  });

  it('reads durations, empty sections, anchors and aliases', () => {
    const cfg = parse(`
defaults:
  # everything commented out leaves an empty section, which is fine
politeness:
  min_gap: 0
  backoff_initial: 1m30s
  backoff_max: 1d
storage:
  retention: 12h
probe_endpoint:
  allow: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "mx.example.org"]
  per_target_per_minute: 0
groups:
  - name: a
    expect: &strict { starttls: required }
    targets: [a.example]
  - name: b
    expect: *strict
    targets: [b.example]
`);
    expect(cfg.politeness).toMatchObject({ min_gap_seconds: 0, backoff_initial_seconds: 90, backoff_max_seconds: 86400 });
    expect(cfg.storage.retention_days).toBe(0.5);
    expect(cfg.probe_endpoint).toEqual({
      allow: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7', 'mx.example.org'],
      per_target_per_minute: 0,
      total_per_minute: 60,
    });
    expect(cfg.targets.map((t) => t.expectations)).toEqual([{ starttls: 'required' }, { starttls: 'required' }]);
  });
});

describe('reading files', () => {
  it('resolves a relative ca_file against the config file directory', () => {
    mkdirSync(join(dir, 'tls'), { recursive: true });
    writeFileSync(join(dir, 'tls', 'ca.pem'), createCa().cert);
    const file = join(dir, 'with-ca.yml');
    writeFileSync(file, 'defaults:\n  tls: { ca_file: tls/ca.pem }\ngroups:\n  - name: a\n    targets: [a.example]\n');
    const cfg = loadConfigFile(file, opts);
    expect(cfg.file).toBe(file);
    expect(cfg.targets[0]?.probe.tls.ca_file).toBe(join(dir, 'tls', 'ca.pem'));
  });

  it('names the file and line for a ca_file missing next to the config', () => {
    const file = join(dir, 'missing-ca.yml');
    writeFileSync(file, 'groups:\n  - name: a\n    tls:\n      ca_file: nope.pem\n    targets: [a.example]\n');
    expect(loadError(file).problems.map(formatProblem)).toEqual([
      `${file}:4: groups[0].tls.ca_file: cannot use CA file "${join(dir, 'nope.pem')}": no such file`,
    ]);
  });

  it('reports a missing file as unreadable', () => {
    const file = join(dir, 'absent.yml');
    const err = loadError(file);
    expect(err.code).toBe('ERR_CONFIG_UNREADABLE');
    expect(err.problems.map(formatProblem)).toEqual([`${file}: cannot read config file: no such file`]);
    expect(err.problems[0]).toEqual({ file, line: null, path: '', message: 'cannot read config file: no such file' });
  });

  it('reports a directory as unreadable', () => {
    const err = loadError(dir);
    expect(err.code).toBe('ERR_CONFIG_UNREADABLE');
    expect(err.problems.map(formatProblem)).toEqual([`${dir}: cannot read config file: is a directory`]);
  });

  // Root reads any file whatever its mode, so as root (CI) the check runs in a child process that
  // loads the built config module first and then drops to the unprivileged "nobody" user (loading
  // first: the checkout itself may be in a directory nobody cannot enter).
  it('reports a file without read permission as unreadable', () => {
    const open = mkdtempSync(join(tmpdir(), 'ehlo-config-perm-'));
    chmodSync(open, 0o755);
    const file = join(open, 'secret.yml');
    writeFileSync(file, 'groups: []\n');
    chmodSync(file, 0o000);
    try {
      const expected = `${file}: cannot read config file: permission denied`;
      if (process.getuid?.() !== 0) {
        const err = loadError(file);
        expect(err.code).toBe('ERR_CONFIG_UNREADABLE');
        expect(err.problems.map(formatProblem)).toEqual([expected]);
        return;
      }
      const script = [
        `import { formatProblem, loadConfigFile } from ${JSON.stringify(pathToFileURL(resolve('dist/config/index.js')).href)};`,
        `process.setgid(${NOBODY}); process.setuid(${NOBODY});`,
        'try { loadConfigFile(process.argv[1], { defaultHeloName: "probe.test" }); }',
        'catch (e) { process.stdout.write(`${e.code}\\n${e.problems.map(formatProblem).join("\\n")}\\n`); }',
      ].join('\n');
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', timeout: 20_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(`ERR_CONFIG_UNREADABLE\n${expected}\n`);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('reports YAML and validation problems with the path it was given', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'groups:\n  - name: mx\n    targets: [mx.example:0]\n');
    const err = loadError(file);
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.problems.map(formatProblem)).toEqual([`${file}:3: groups[0].targets[0]: port must be 1–65535, got 0`]);
  });
});
