// The shipped alert rules, Prometheus and Alertmanager examples, checked with the real tools
// (Debian's promtool and amtool) and statically: every alert is labelled, documented, linked to its
// runbook section by an absolute URL, has a `for:`, and is covered by a firing and a quiet promtool
// test case; the flap-guarded ones by the generated flap tests too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../mixin/config.js';
import { REPO_ROOT } from '../dashboards/dashboard-queries.js';
import { IN_CI, runTool, shouldSkip, skipReason, toolAvailable } from './external-tool.js';

const PROM_DIR = join(REPO_ROOT, 'config', 'prometheus');
const RULES_FILE = join(PROM_DIR, 'ehlo-exporter.rules.yml');
const RULES_TEST_FILE = join(PROM_DIR, 'ehlo-exporter.rules.test.yml');
const FLAP_TEST_FILE = join(PROM_DIR, 'ehlo-exporter.flap.test.yml');
const PROMETHEUS_FILE = join(PROM_DIR, 'prometheus.yml');
const ALERTMANAGER_FILE = join(REPO_ROOT, 'config', 'alertmanager', 'alertmanager.yml');
const RUNBOOK_FILE = join(REPO_ROOT, 'docs', 'runbook.md');

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: AlertRule[] }[];
}
interface AlertTestCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}
interface RulesTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertTestCase[] }[];
}

const rules = parse(readFileSync(RULES_FILE, 'utf8')) as RulesFile;
const alerts = rules.groups
  .flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })))
  .filter((r): r is AlertRule & { alert: string; group: string } => typeof r.alert === 'string');
const alertNames = [...new Set(alerts.map((a) => a.alert))].sort();

/** The alerts the issue and the brief ask for, by name. */
const REQUIRED_ALERTS = [
  'EhloProbeFailing',
  'SmtpServiceUnavailable',
  'SmtpSizeLimitDecreased',
  'SmtpSizeLimitChanged',
  'SmtpExtensionLost',
  'SmtpStartTlsLost',
  'SmtpAuthBeforeTls',
  'SmtpExpectationNotMet',
  'SmtpTlsCertExpiringSoon',
  'SmtpTlsCertExpired',
  'SmtpTlsCertNotVerified',
  'SmtpPoolSizeDrift',
  'SmtpPoolExtensionDrift',
  'SmtpProbesStale',
  'EhloExporterConfigReloadFailed',
  'EhloExporterStoreErrors',
  'EhloExporterDown',
  'EhloExporterMemoryNearLimit',
  'EhloExporterEventLoopLag',
  'SmtpDomainMxSetChanged',
  'SmtpDomainNoWorkingMx',
  'SmtpDomainLookupFailing',
  'SmtpDomainSizeDrift',
  'SmtpDomainStartTlsDrift',
  'SmtpDomainExtensionDrift',
  'SmtpIpv6FailingIpv4Works',
  'SmtpMtaStsMxNotCovered',
  'SmtpMtaStsMxNotCompliant',
  'SmtpDaneTlsaMismatch',
  'SmtpDnssecBogus',
  'SmtpMtaStsPolicyFetchFailing',
  'SmtpMtaStsModeDowngraded',
];

/** GitHub's anchor for a heading made of one word: lower case. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

describe('alert rules, statically', () => {
  it('define every required alert', () => {
    expect(alertNames).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
  });

  it.each(alerts.map((a, i) => [`${a.alert} #${i}`, a] as const))('%s has severity, summary, description and a runbook link', (_name, a) => {
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
    const ann = a.annotations ?? {};
    expect(ann.summary, 'summary').toBeTruthy();
    expect(ann.description, 'description').toBeTruthy();
    // Per-target alerts name the target and group; pool alerts the group; exporter alerts the instance.
    const names = `${ann.summary ?? ''} ${ann.description ?? ''}`;
    if (/by \(group, tls/.test(a.expr)) {
      expect(names).toContain('{{ $labels.group }}');
    } else if (/by \(domain/.test(a.expr)) {
      expect(names).toContain('{{ $labels.domain }}');
    } else if (a.group === 'ehlo-exporter.exporter') {
      expect(names).toContain('{{ $labels.instance }}');
    } else {
      expect(names).toContain('{{ $labels.target }}');
      expect(names).toContain('{{ $labels.group }}');
    }
    // Absolute, so that it works from Alertmanager's notifications.
    expect(ann.runbook_url).toBe(`${DEFAULT_CONFIG.runbookBaseUrl}#${a.alert.toLowerCase()}`);
    expect(ann.runbook_url).toMatch(/^https:\/\//);
    expect(a.for, 'every alert states its for: (docs/alerts.md says why)').toMatch(/^\d+[smhd]$/);
  });

  it('select the exporter by its own job, which does not match the /probe job', () => {
    const exporterAlerts = alerts.filter((a) => a.group === 'ehlo-exporter.exporter');
    expect(exporterAlerts.map((a) => a.alert)).toContain('EhloExporterDown');
    for (const a of exporterAlerts) {
      expect(a.expr, a.alert).toContain(`{${DEFAULT_CONFIG.exporterSelector}}`);
      expect(a.expr, a.alert).not.toMatch(/=~/);
    }
  });

  it('link to runbook sections that exist', () => {
    const runbook = readFileSync(RUNBOOK_FILE, 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
    for (const a of alerts) {
      const anchor = (a.annotations?.runbook_url ?? '').split('#')[1] ?? '';
      expect(anchors, `runbook section for ${a.alert}`).toContain(anchor);
      expect(a.annotations?.runbook_url?.startsWith(`${DEFAULT_CONFIG.runbookBaseUrl}#`), a.alert).toBe(true);
    }
  });

  it('have a firing and a quiet promtool case for every alert, and one firing case per severity', () => {
    const tests = parse(readFileSync(RULES_TEST_FILE, 'utf8')) as RulesTestFile;
    expect(tests.rule_files).toEqual(['ehlo-exporter.rules.yml']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of alertNames) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name} fires in some case`).toBe(true);
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name} stays quiet in some case`).toBe(true);
      const severities = new Set(alerts.filter((a) => a.alert === name).map((a) => a.labels?.severity));
      const tested = new Set(mine.flatMap((c) => (c.exp_alerts ?? []).map((e) => e.exp_labels?.severity)));
      for (const s of severities) expect(tested, `${name} with severity ${String(s)} fires in some case`).toContain(s);
    }
  });
});

const hasPromtool = toolAvailable('promtool');

describe.skipIf(shouldSkip(hasPromtool))(`rules and Prometheus config with promtool${skipReason('promtool', hasPromtool)}`, () => {
  it('promtool is installed (required when CI=true)', () => {
    expect(hasPromtool, IN_CI ? 'CI=true: promtool must be installed' : 'promtool').toBe(true);
  });

  it('promtool check rules accepts the rules file', () => {
    const r = runTool('promtool', ['check', 'rules', RULES_FILE]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules passes every firing and quiet case, and every flap case', { timeout: 120_000 }, () => {
    // Run from the directory so the test file's relative rule_files path resolves as it does for users.
    const r = runTool('promtool', ['test', 'rules', 'ehlo-exporter.rules.test.yml', 'ehlo-exporter.flap.test.yml'], {
      cwd: PROM_DIR,
      timeoutMs: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect((r.stdout + r.stderr).match(/SUCCESS/g)).toHaveLength(2);
  });

  it('the flap tests cover every flap-guarded alert, and fail when the for: is gone', { timeout: 120_000 }, () => {
    const flap = parse(readFileSync(FLAP_TEST_FILE, 'utf8')) as { tests: { name: string }[] };
    const guarded = Object.entries(DEFAULT_CONFIG.for).filter(([, p]) => p.flapGuarded).map(([name]) => name);
    for (const name of guarded) {
      expect(flap.tests.some((t) => t.name.startsWith(`${name}: members of a pool disagree`)), `${name} flap case`).toBe(true);
      expect(flap.tests.some((t) => t.name.startsWith(`${name}: a lasting regression`)), `${name} lasting case`).toBe(true);
    }
    const noFor = readFileSync(RULES_FILE, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 0s');
    const dir = mkdtempSync(join(tmpdir(), 'ehlo-flap-'));
    writeFileSync(join(dir, 'ehlo-exporter.rules.yml'), noFor);
    writeFileSync(join(dir, 'ehlo-exporter.flap.test.yml'), readFileSync(FLAP_TEST_FILE, 'utf8'));
    try {
      const r = runTool('promtool', ['test', 'rules', 'ehlo-exporter.flap.test.yml'], { cwd: dir, timeoutMs: 120_000 });
      expect(r.status).not.toBe(0);
      // promtool names the failed expression, not the test: each flap case's count_over_time() found firing.
      for (const name of guarded) expect(r.stdout + r.stderr, name).toContain(`count_over_time(ALERTS{alertname=\\"${name}\\"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool check config accepts the example Prometheus config and finds the rules next to it', () => {
    const r = runTool('promtool', ['check', 'config', PROMETHEUS_FILE]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('1 rule files found');
  });

  it('promtool test rules fails when a rule is broken (the tests can fail)', { timeout: 120_000 }, () => {
    // SIZE decreased written naively with offset: misses +Inf -> number and fires on a restored limit.
    const broken = readFileSync(RULES_FILE, 'utf8').replace(
      'smtp_size_limit_bytes < max_over_time(smtp_size_limit_bytes[1d])',
      'smtp_size_limit_bytes - (smtp_size_limit_bytes offset 5m) < 0',
    );
    expect(broken).not.toBe(readFileSync(RULES_FILE, 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'ehlo-rules-'));
    writeFileSync(join(dir, 'ehlo-exporter.rules.yml'), broken);
    writeFileSync(join(dir, 'ehlo-exporter.rules.test.yml'), readFileSync(RULES_TEST_FILE, 'utf8'));
    try {
      const r = runTool('promtool', ['test', 'rules', 'ehlo-exporter.rules.test.yml'], { cwd: dir, timeoutMs: 120_000 });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('SmtpSizeLimitDecreased');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const hasAmtool = toolAvailable('amtool');

describe.skipIf(shouldSkip(hasAmtool))(`Alertmanager example with amtool${skipReason('amtool', hasAmtool)}`, () => {
  it('amtool is installed (required when CI=true)', () => {
    expect(hasAmtool, IN_CI ? 'CI=true: amtool must be installed' : 'amtool').toBe(true);
  });

  it('amtool check-config accepts it', () => {
    const r = runTool('amtool', ['check-config', ALERTMANAGER_FILE]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it.each([
    ['critical', 'critical-webhook'],
    ['warning', 'warning-webhook'],
    ['info', 'info-webhook'],
  ])('routes severity=%s to %s', (severity, receiver) => {
    const r = runTool('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_FILE}`, `severity=${severity}`, 'alertname=EhloProbeFailing']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(receiver);
  });
});
