// The mixin (mixin/): the committed rules, flap tests, alert docs and dashboards are exactly what
// `npm run generate` writes from mixin/config.ts; the config is validated; a changed config reaches
// every generated file, and what it generates still passes promtool.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MixinConfig } from '../../mixin/config.js';
import { generatedFiles } from '../../mixin/generated-files.js';
import { REPO_ROOT } from '../dashboards/dashboard-queries.js';
import { IN_CI, runTool, shouldSkip, skipReason, toolAvailable } from '../rules/external-tool.js';

const contentOf = (files: { path: string; content: string }[], path: string): string => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`not generated: ${path}`);
  return f.content;
};

describe('generated files', () => {
  const files = generatedFiles(DEFAULT_CONFIG);

  it('cover the rules, their flap tests, the alert docs and the three dashboards', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'config/prometheus/ehlo-exporter.flap.test.yml',
      'config/prometheus/ehlo-exporter.rules.yml',
      'dashboards/ehlo-domain.json',
      'dashboards/ehlo-fleet-overview.json',
      'dashboards/ehlo-target-detail.json',
      'docs/alerts.md',
    ]);
  });

  it.each(files.map((f) => [f.path, f.content] as const))('%s is up to date (else: npm run generate)', (path, content) => {
    expect(readFileSync(join(REPO_ROOT, path), 'utf8') === content, `${path} differs from what mixin/ generates: run npm run generate`).toBe(true);
  });

  it('are not shipped as code: the build compiles src/ only', () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toEqual(['src']);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files.some((f) => f.startsWith('mixin'))).toBe(false);
  });
});

describe('the mixin config', () => {
  const withFor = (alert: string, duration: string): MixinConfig => {
    const policy = DEFAULT_CONFIG.for[alert];
    if (!policy) throw new Error(alert);
    return { ...DEFAULT_CONFIG, for: { ...DEFAULT_CONFIG.for, [alert]: { ...policy, for: duration } } };
  };

  it('refuses a flap-guarded for: shorter than three probe intervals, naming the alert', () => {
    expect(() => generatedFiles(withFor('SmtpStartTlsLost', '2m'))).toThrow(/for\.SmtpStartTlsLost\.for is 2m, below 3 probe intervals \(180s\)/);
    expect(() => generatedFiles({ ...DEFAULT_CONFIG, probeIntervalSeconds: 300 })).toThrow(/below 3 probe intervals \(900s\)/);
  });

  it('refuses an alert without a for: policy, and a duration it cannot read', () => {
    const { EhloExporterDown: _dropped, ...rest } = DEFAULT_CONFIG.for;
    expect(() => generatedFiles({ ...DEFAULT_CONFIG, for: rest })).toThrow(/no `for` policy for alert EhloExporterDown/);
    expect(() => generatedFiles(withFor('EhloExporterDown', '5 minutes'))).toThrow(/one-unit duration such as "15m", got "5 minutes"/);
  });

  it('sets selectors, links and thresholds once for every generated file', () => {
    const files = generatedFiles({
      ...DEFAULT_CONFIG,
      exporterSelector: 'job="mail-probes"',
      targetSelector: 'env="prod"',
      runbookBaseUrl: 'https://wiki.example.net/ehlo',
      certWarningDays: 21,
      memoryLimitBytes: 512 * 1024 * 1024,
    });
    const rules = contentOf(files, 'config/prometheus/ehlo-exporter.rules.yml');
    expect(rules).toContain('up{job="mail-probes"} == 0');
    expect(rules).toContain('smtp_probe_success{env="prod"} == 0');
    expect(rules).toContain('runbook_url: https://wiki.example.net/ehlo#ehloprobefailing');
    expect(rules).toContain('< 21 * 86400');
    expect(rules).toContain('process_resident_memory_bytes{job="mail-probes"} > 0.9 * 536870912');
    expect(rules).not.toContain('job="ehlo-exporter"');
    const fleet = contentOf(files, 'dashboards/ehlo-fleet-overview.json');
    expect(fleet).toContain('process_resident_memory_bytes{job=\\"mail-probes\\", instance=~\\"$instance\\"}');
    expect(fleet).toContain('target=~\\"$target\\", env=\\"prod\\"');
    expect(fleet).toContain('Certificates expiring < 21 d');
    expect(contentOf(files, 'docs/alerts.md')).toContain('https://wiki.example.net/ehlo#<alert>');
  });
});

const hasPromtool = toolAvailable('promtool');

describe.skipIf(shouldSkip(hasPromtool))(`a changed config, checked by promtool${skipReason('promtool', hasPromtool)}`, () => {
  it('promtool is installed (required when CI=true)', () => {
    expect(hasPromtool, IN_CI ? 'CI=true: promtool must be installed' : 'promtool').toBe(true);
  });

  it('longer for: durations still pass their generated flap tests', { timeout: 120_000 }, () => {
    const config: MixinConfig = {
      ...DEFAULT_CONFIG,
      exporterSelector: 'job="mail-probes"',
      probeIntervalSeconds: 300,
      for: Object.fromEntries(Object.entries(DEFAULT_CONFIG.for).map(([k, p]) => [k, p.flapGuarded ? { ...p, for: '20m' } : p])),
    };
    const files = generatedFiles(config);
    const dir = mkdtempSync(join(tmpdir(), 'ehlo-mixin-'));
    try {
      writeFileSync(join(dir, 'ehlo-exporter.rules.yml'), contentOf(files, 'config/prometheus/ehlo-exporter.rules.yml'));
      writeFileSync(join(dir, 'ehlo-exporter.flap.test.yml'), contentOf(files, 'config/prometheus/ehlo-exporter.flap.test.yml'));
      const check = runTool('promtool', ['check', 'rules', 'ehlo-exporter.rules.yml'], { cwd: dir });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      const test = runTool('promtool', ['test', 'rules', 'ehlo-exporter.flap.test.yml'], { cwd: dir, timeoutMs: 120_000 });
      expect(test.status, test.stdout + test.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
