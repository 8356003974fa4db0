// How a TargetState becomes series: one rendering rule per test, read back from the exposition text.
import { describe, expect, it } from 'vitest';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { MAX_EXTENSIONS_PER_SIDE } from '../../src/metrics/label-values.js';
import type { Expectations } from '../../src/config/types.js';
import type { TargetState } from '../../src/state/types.js';
import { GOLDEN_STATUS, T0, ehlo, fresh, hostile, legacy, mx1, mx2, result, state } from '../fixtures/metrics/states.js';
import { find, parseExposition, type Parsed } from './parse-exposition.js';

async function scrape(
  states: readonly TargetState[],
  opts: { expectations?: (t: string) => Expectations | undefined; backoff?: (t: string) => number } = {},
): Promise<Parsed> {
  const source: MetricsSource = {
    targets: () => states,
    targetConfig: (t) => ({ expectations: opts.expectations?.(t) }),
    backoffs: () => new Map(opts.backoff === undefined ? [] : states.map((s) => [s.target, opts.backoff!(s.target)])),
    status: () => GOLDEN_STATUS,
  };
  return parseExposition(await createExporterRegistry(source).metrics());
}

const one = (p: Parsed, name: string, labels: Record<string, string> = {}): number | undefined => {
  const s = find(p, name, labels);
  expect(s.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return s[0]?.value;
};

describe('per-target series', () => {
  it('labels every per-target series with target and group', async () => {
    const p = await scrape([mx1, legacy]);
    for (const s of p.samples.filter((x) => !x.name.startsWith('smtp_exporter_'))) {
      expect(['mx1.example.test:25', 'legacy.example.test:587']).toContain(s.labels.target);
      expect(s.labels.group).toBe(s.labels.target === mx1.target ? 'mx' : 'submission');
    }
  });

  it('exports SIZE per TLS side, +Inf for SIZE 0, nothing when SIZE gives no number', async () => {
    const p = await scrape([mx1, mx2, hostile]);
    expect(one(p, 'smtp_size_limit_bytes', { target: mx1.target, tls: 'false' })).toBe(52428800);
    expect(one(p, 'smtp_size_limit_bytes', { target: mx1.target, tls: 'true' })).toBe(52428800);
    expect(one(p, 'smtp_size_limit_bytes', { target: mx2.target, tls: 'false' })).toBe(Infinity);
    expect(find(p, 'smtp_size_limit_bytes', { target: hostile.target })).toEqual([]);
  });

  it('keeps a 0 series for an extension the server no longer advertises', async () => {
    const p = await scrape([mx1]);
    expect(one(p, 'smtp_extension_advertised', { target: mx1.target, extension: 'CHUNKING', tls: 'false' })).toBe(0);
    expect(one(p, 'smtp_extension_advertised', { target: mx1.target, extension: 'CHUNKING', tls: 'true' })).toBe(0);
    expect(one(p, 'smtp_extension_advertised', { target: mx1.target, extension: 'STARTTLS', tls: 'false' })).toBe(1);
    expect(find(p, 'smtp_extension_advertised', { target: mx1.target, extension: 'STARTTLS', tls: 'true' })).toEqual([]);
  });

  it('exports nothing for the TLS side once STARTTLS is gone, so one fault is not one alert per extension', async () => {
    const plain = ehlo({ extensions: ['PIPELINING', 'SIZE', '8BITMIME'], size: 52428800 });
    const lost = state({
      ...mx1,
      last_result: result({ target: mx1.target, ehlo_before_tls: plain, ehlo_after_tls: null }),
    });
    const p = await scrape([lost]);
    expect(find(p, 'smtp_extension_advertised', { target: mx1.target, tls: 'true' })).toEqual([]);
    expect(find(p, 'smtp_size_limit_bytes', { target: mx1.target, tls: 'true' })).toEqual([]);
    expect(one(p, 'smtp_extension_advertised', { target: mx1.target, extension: 'STARTTLS', tls: 'false' })).toBe(0);
    expect(one(p, 'smtp_starttls_advertised', { target: mx1.target })).toBe(0);
  });

  it('exports capabilities from the baseline while the server is down, so outages do not look like lost extensions', async () => {
    const p = await scrape([mx2]);
    expect(one(p, 'smtp_probe_success', { target: mx2.target })).toBe(0);
    expect(one(p, 'smtp_extension_advertised', { target: mx2.target, extension: 'PIPELINING', tls: 'false' })).toBe(1);
    expect(one(p, 'smtp_last_success_timestamp_seconds', { target: mx2.target })).toBe(T0);
    expect(one(p, 'smtp_last_probe_timestamp_seconds', { target: mx2.target })).toBe(T0 + 60);
    // Facts of the failed session itself are absent rather than invented.
    expect(find(p, 'smtp_esmtp', { target: mx2.target })).toEqual([]);
    expect(find(p, 'smtp_banner_info', { target: mx2.target })).toEqual([]);
  });

  it('caps extension labels per side and counts what it could not label', async () => {
    const p = await scrape([hostile]);
    const labelled = find(p, 'smtp_extension_advertised', { target: hostile.target });
    expect(labelled).toHaveLength(MAX_EXTENSIONS_PER_SIDE);
    for (const s of labelled) expect(s.labels.extension).toMatch(/^[A-Z0-9][A-Z0-9-]{0,63}$/);
    // 120 valid keywords, 100 labelled; plus two that break the grammar.
    expect(one(p, 'smtp_extensions_unlabelled', { target: hostile.target, tls: 'false' })).toBe(22);
    expect(find(p, 'smtp_auth_mechanism_advertised', { target: hostile.target }).map((s) => s.labels.mechanism)).toEqual(['PLAIN']);
    expect(find(p, 'smtp_limit', { target: hostile.target }).map((s) => s.labels.limit)).toEqual(['RCPTMAX']);
  });

  it('gives the banner label the first line only, control characters replaced, at most 128 characters', async () => {
    const p = await scrape([legacy]);
    const banner = find(p, 'smtp_banner_info', { target: legacy.target })[0]!.labels.banner!;
    expect(banner.length).toBe(128);
    expect(banner.startsWith('legacy "mail" \\ host?[31m ')).toBe(true);
    expect(banner).not.toContain('second line');
    expect(banner).not.toMatch(/[\x00-\x1f]/);
  });

  it('exports HELO fallback as smtp_esmtp 0 and reply codes per stage', async () => {
    const p = await scrape([legacy]);
    expect(one(p, 'smtp_esmtp', { target: legacy.target })).toBe(0);
    expect(one(p, 'smtp_reply_code', { target: legacy.target, stage: 'ehlo' })).toBe(502);
    expect(one(p, 'smtp_reply_code', { target: legacy.target, stage: 'helo' })).toBe(250);
    expect(one(p, 'smtp_target_info', { target: legacy.target, host: 'legacy.example.test', port: '587', address: '2001:db8::25' })).toBe(1);
  });

  it('exports failure counts by stage and reason, and every change kind present', async () => {
    const p = await scrape([mx1, mx2]);
    expect(one(p, 'smtp_probe_failures_total', { target: mx2.target, stage: 'greeting', reason: 'service_unavailable' })).toBe(2);
    expect(one(p, 'smtp_probe_failures_total', { target: mx1.target, stage: 'connect', reason: 'timeout' })).toBe(3);
    expect(find(p, 'smtp_capability_changes_total', { target: mx1.target }).map((s) => [s.labels.change, s.value])).toEqual([
      ['size_decreased', 1],
      ['extension_removed', 2],
    ]);
    expect(one(p, 'smtp_capabilities_last_change_timestamp_seconds', { target: mx1.target })).toBe(T0 - 86400);
    expect(find(p, 'smtp_capability_changes_total', { target: mx2.target })).toEqual([]);
  });

  it('exports TLS facts: version and cipher, earliest expiry of the chain, verification', async () => {
    const p = await scrape([mx1]);
    expect(one(p, 'smtp_tls_info', { target: mx1.target, version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' })).toBe(1);
    expect(one(p, 'smtp_tls_cert_not_after_timestamp_seconds', { target: mx1.target })).toBe(Date.parse('2026-02-01T00:00:00Z') / 1000);
    expect(one(p, 'smtp_tls_cert_verified', { target: mx1.target })).toBe(1);
    expect(one(p, 'smtp_starttls_advertised', { target: mx1.target })).toBe(1);
  });

  it('exports configured expectations and the back-off', async () => {
    const p = await scrape([mx1, mx2], {
      expectations: (t) => (t === mx1.target ? { min_size_bytes: 100_000_000, forbidden_extensions: ['CHUNKING'] } : undefined),
      backoff: (t) => (t === mx2.target ? 240 : 0),
    });
    expect(one(p, 'smtp_expectation_met', { target: mx1.target, expectation: 'min_size_bytes' })).toBe(0);
    expect(one(p, 'smtp_expectation_met', { target: mx1.target, expectation: 'forbidden_extension:CHUNKING' })).toBe(1);
    expect(find(p, 'smtp_expectation_met', { target: mx2.target })).toEqual([]);
    expect(one(p, 'smtp_probe_backoff_seconds', { target: mx2.target })).toBe(240);
    expect(one(p, 'smtp_probe_backoff_seconds', { target: mx1.target })).toBe(0);
  });

  it('exports only the back-off for a target that was never probed', async () => {
    const p = await scrape([fresh]);
    expect(p.samples.filter((s) => s.labels.target === fresh.target).map((s) => s.name)).toEqual(['smtp_probe_backoff_seconds']);
  });

  it('escapes label values that carry quotes, backslashes and line feeds', async () => {
    const odd = state({
      target: 'a"b\\c:25',
      group: 'g\nh',
      last_result: result({ target: 'odd.example.test:25', banner: { code: 220, lines: ['say "hi" \\o/'] } }),
    });
    const text = await createExporterRegistry({
      targets: () => [odd],
      targetConfig: () => ({}),
      backoffs: () => new Map(),
      status: () => GOLDEN_STATUS,
    }).metrics();
    expect(text).toContain('smtp_banner_info{target="a\\"b\\\\c:25",group="g\\nh",banner="say \\"hi\\" \\\\o/"} 1');
    const p = parseExposition(text);
    expect(find(p, 'smtp_probe_success')[0]!.labels).toEqual({ target: 'a"b\\c:25', group: 'g\nh' });
  });

  it('exports an implicit-TLS session only on the tls="true" side, without a STARTTLS series', async () => {
    const facts = ehlo({ extensions: ['SIZE', 'AUTH'], size: 1000, auth: ['PLAIN'] });
    const smtps = state({
      target: 'smtps.example.test:465',
      group: 'submission',
      last_result: result({ target: 'smtps.example.test:465', ehlo_after_tls: facts }),
    });
    const p = await scrape([smtps]);
    expect(find(p, 'smtp_extension_advertised', { tls: 'false' })).toEqual([]);
    expect(find(p, 'smtp_extension_advertised', { tls: 'true' })).toHaveLength(2);
    expect(find(p, 'smtp_starttls_advertised')).toEqual([]);
    expect(one(p, 'smtp_auth_mechanism_advertised', { mechanism: 'PLAIN', tls: 'true' })).toBe(1);
  });
});
