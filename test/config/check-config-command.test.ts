// `check-config` end to end over real files: what is printed on which stream, and the exit code.
import { describe, expect, it } from 'vitest';
import { runCheckConfig } from '../../src/cli/check-config-command.js';

function run(file: string): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCheckConfig(file, (l) => out.push(l), (l) => err.push(l), { defaultHeloName: 'probe.test' });
  return { code, out, err };
}

describe('runCheckConfig', () => {
  it('prints the resolved fleet and returns 0 for a valid file', () => {
    const r = run('test/fixtures/config/listing.yml');
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([
      'Checking test/fixtures/config/listing.yml',
      '  SUCCESS: 2 groups, 3 targets found',
      'config: test/fixtures/config/listing.yml',
      '2 groups, 3 targets',
      'defaults: timeout=15s helo_name=probe.example.net starttls=auto implicit_tls=false',
      '  tls: server_name=(target host) ca_file=(system CAs) min_version=TLSv1.2 fail_on_verify_error=false',
      'politeness: max_concurrency=8 min_gap=1s backoff_initial=1m backoff_max=1h',
      'probe_endpoint: allow=[192.0.2.0/24] per_target_per_minute=6 total_per_minute=60',
      'storage: retention=7d',
      'dns: servers=(system resolver) timeout=5s refresh=5m min_refresh=30s keep_last_good=1h',
      'policy: mta_sts=true dane=true ca_file=(system CAs) fetch_timeout=10s',
      '',
      'group mx: schedule="*/30 * * * * *" 2 targets',
      '  target mx1.example.com:25',
      '    probe: timeout=15s helo_name=probe.example.net starttls=auto implicit_tls=false',
      '    tls: server_name=mx1.example.com ca_file=(system CAs) min_version=TLSv1.2 fail_on_verify_error=false',
      '    expect: starttls=required required_extensions=[PIPELINING]',
      '  target mx-v6 ([2001:db8::25]:25)',
      '    probe: timeout=15s helo_name=probe.example.net starttls=auto implicit_tls=false',
      '    tls: server_name=mx.example.com ca_file=(system CAs) min_version=TLSv1.2 fail_on_verify_error=false',
      '    expect: starttls=required required_extensions=[PIPELINING]',
      '',
      'group submissions: schedule="0 * * * * *" 1 target',
      '  target smtp.example.com:465',
      '    probe: timeout=15s helo_name=probe.example.net starttls=auto implicit_tls=true',
      '    tls: server_name=smtp.example.com ca_file=(system CAs) min_version=TLSv1.2 fail_on_verify_error=false',
      '    expect: (none)',
    ]);
  });

  it('prints every problem on err and returns 1 for an invalid file', () => {
    const r = run('test/fixtures/config/two-mistakes.yml');
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['Checking test/fixtures/config/two-mistakes.yml']);
    expect(r.err).toEqual([
      '  FAILED: 2 problems (ERR_CONFIG_INVALID)',
      'test/fixtures/config/two-mistakes.yml:3: groups[0].schedule: invalid cron expression "every minute": expected 5 or 6 fields but got 2 (seconds minutes hours day-of-month month day-of-week; seconds optional)',
      'test/fixtures/config/two-mistakes.yml:5: groups[0].targets[0]: port must be 1–65535, got 250000',
    ]);
  });

  it('returns 1 for a file that cannot be read', () => {
    const r = run('test/fixtures/config/does-not-exist.yml');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      '  FAILED: 1 problem (ERR_CONFIG_UNREADABLE)',
      'test/fixtures/config/does-not-exist.yml: cannot read config file: no such file',
    ]);
  });

  it('returns 1 for a directory', () => {
    const r = run('test/fixtures/config');
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['  FAILED: 1 problem (ERR_CONFIG_UNREADABLE)', 'test/fixtures/config: cannot read config file: is a directory']);
  });

  it('accepts the shipped default config', () => {
    const r = run('config/ehlo-exporter.yml');
    expect(r.code).toBe(0);
    expect(r.out.slice(0, 2)).toEqual(['Checking config/ehlo-exporter.yml', '  SUCCESS: 1 group, 1 target found']);
  });
});
