// Alerting end to end, on loopback only: a real Postfix, the built exporter probing it every second,
// Debian's Prometheus scraping it with the shipped rules (only `for:` shortened), Debian's
// Alertmanager routing to a webhook in this test. An operator breaks the relay step by step and each
// alert must reach the webhook, then resolve on restore. At the end, when every kind of event has
// happened, every dashboard query is run against that Prometheus and must parse and return data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_SUBSTITUTIONS, dashboardQueries } from '../dashboards/dashboard-queries.js';
import type { AlertWebhook } from '../support/alert-webhook.js';
import { startDovecotAuthFake, type DovecotAuthFake } from '../support/dovecot-auth-fake.js';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { postfixUnavailableReason, startPostfix, type PostfixInstance } from '../support/postfix-instance.js';
import {
  prometheusStackUnavailableReason,
  startAlertingStack,
  type Daemon,
  type Prometheus,
  type PromSample,
} from '../support/prometheus-stack.js';
import { describeWithReal } from '../support/require-real.js';
import { waitFor } from '../support/wait-for.js';
import { liveDashboardCheck } from '../support/dashboards-live.js';

const SIZE = 10_240_000;
const LOWERED_SIZE = 5_120_000;
/** Every `for:` of the shipped rules becomes this (production: 5m and more). */
const FOR_SECONDS = 3;
/** Bound for one alert to travel change → probe → scrape → rule → Alertmanager → webhook. */
const ALERT_WAIT_MS = 60_000;
const GROUP = 'e2e';
/** vitest's own limit for a step: above every bounded wait in it, so those report what they awaited. */
const STEP_TIMEOUT_MS = ALERT_WAIT_MS + 30_000;

interface Latency {
  step: string;
  alert: string;
  status: 'firing' | 'resolved';
  seconds: number;
}

describeWithReal(
  'alerting end to end: Postfix → ehlo-exporter → Prometheus → Alertmanager → webhook',
  postfixUnavailableReason() ?? prometheusStackUnavailableReason(),
  () => {
    let dir: string;
    let postfix: PostfixInstance | undefined;
    let dovecot: DovecotAuthFake | undefined;
    let exporter: ExporterProcess | undefined;
    let webhook: AlertWebhook | undefined;
    let alertmanager: Daemon | undefined;
    let prometheus: Prometheus | undefined;
    let target: string;
    let stackStart: number;
    const latencies: Latency[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ehlo-e2e-alerting-'));
      // SASL through a Dovecot auth fake, offered only inside TLS (as a careful operator would), so
      // the AUTH panels have data and SmtpAuthBeforeTls stays quiet.
      dovecot = await startDovecotAuthFake(['PLAIN', 'LOGIN']);
      postfix = await startPostfix({
        messageSizeLimit: SIZE,
        settings: {
          smtpd_sasl_auth_enable: 'yes',
          smtpd_sasl_type: 'dovecot',
          smtpd_sasl_path: `inet:127.0.0.1:${dovecot.port}`,
          smtpd_tls_auth_only: 'yes',
        },
      });
      target = `127.0.0.1:${postfix.port}`;
      // The instance's self-signed certificate is the CA: verification stays on and succeeds, so no
      // TLS-verify alert mixes into the steps.
      writeFileSync(join(dir, 'postfix-ca.pem'), postfix.certificatePem);
      writeFileSync(
        join(dir, 'ehlo-exporter.yml'),
        [
          'defaults:',
          '  schedule: "* * * * * *"',
          '  timeout: 5s',
          '  helo_name: probe.ehlo-exporter.test',
          '  tls:',
          '    server_name: localhost',
          `    ca_file: ${join(dir, 'postfix-ca.pem')}`,
          'politeness:',
          '  min_gap: 0s',
          'groups:',
          `  - name: ${GROUP}`,
          // Expectations that hold throughout, so the expectation panels have data and no alert.
          '    expect:',
          '      min_size_bytes: 1000000',
          '      required_extensions: [PIPELINING]',
          '    targets:',
          `      - ${target}`,
          '',
        ].join('\n'),
      );
      exporter = await startExporter([
        `--config.file=${join(dir, 'ehlo-exporter.yml')}`,
        `--storage.path=${join(dir, 'state.db')}`,
        '--log.level=warn',
      ]);
      stackStart = Date.now() / 1000;
      ({ webhook, alertmanager, prometheus } = await startAlertingStack({ dir, exporter: `127.0.0.1:${exporter.port}`, forSeconds: FOR_SECONDS }));
    }, 120_000);

    afterAll(async () => {
      await prometheus?.stop();
      await alertmanager?.stop();
      await webhook?.close();
      await exporter?.stop();
      await postfix?.stop();
      await dovecot?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (latencies.length > 0) {
        console.log('alert latency from the change to the webhook:');
        console.table(latencies);
      }
    }, 60_000);

    /** The instant vector of `expr`, or undefined when Prometheus has no sample (yet). */
    async function vector(expr: string): Promise<(PromSample & { value: [number, string] })[] | undefined> {
      const r = await prometheus!.query(expr);
      if (r.status !== 'success') throw new Error(`${expr}: ${r.error ?? r.status}`);
      const result = r.data?.result as (PromSample & { value: [number, string] })[];
      return result.length > 0 ? result : undefined;
    }

    /** Makes a change and waits for `alert` to reach the webhook with `status`, recording the latency. */
    async function expectAlertAfter(step: string, change: () => Promise<void>, alert: string, status: 'firing' | 'resolved') {
      const changedAt = Date.now();
      await change();
      const received = await webhook!.waitForAlert(alert, status, changedAt, ALERT_WAIT_MS);
      latencies.push({ step, alert, status, seconds: Math.round((received.receivedAt - changedAt) / 100) / 10 });
      expect(received.labels).toMatchObject({ target, group: GROUP });
      return received;
    }

    it('Prometheus scrapes the exporter and sees a successful probe of Postfix', async () => {
      await waitFor('Prometheus to scrape the exporter (up == 1)', () => vector('up{job="ehlo-exporter"} == 1'), 30_000, 250);
      // Baseline: the full SIZE, STARTTLS offered, the certificate verified, AUTH inside TLS.
      await waitFor(
        'a successful probe with SIZE, STARTTLS, a verified certificate and AUTH in Prometheus',
        async () =>
          (await vector(`smtp_probe_success{target="${target}"} == 1`)) &&
          (await vector(`smtp_size_limit_bytes{target="${target}",tls="false"} == ${SIZE}`)) &&
          (await vector(`smtp_starttls_advertised{target="${target}"} == 1`)) &&
          (await vector(`smtp_tls_cert_verified{target="${target}"} == 1`)) &&
          (await vector(`smtp_auth_mechanism_advertised{target="${target}",tls="true",mechanism="PLAIN"} == 1`)),
        30_000,
        250,
      );
      expect(await vector('ALERTS')).toBeUndefined();
      expect(webhook!.alerts()).toEqual([]);
    }, STEP_TIMEOUT_MS);

    it('lowering message_size_limit and reloading Postfix fires SmtpSizeLimitDecreased', async () => {
      const alert = await expectAlertAfter(
        'lower message_size_limit',
        () => postfix!.reconfigure({ message_size_limit: String(LOWERED_SIZE) }),
        'SmtpSizeLimitDecreased',
        'firing',
      );
      expect(alert.labels.severity).toBe('warning');
      expect(alert.annotations.description).toContain(`${LOWERED_SIZE} bytes`);
      expect(alert.annotations.description).toContain(`${SIZE} bytes`);
    }, STEP_TIMEOUT_MS);

    it('turning STARTTLS off fires SmtpStartTlsLost', async () => {
      const alert = await expectAlertAfter(
        'STARTTLS off',
        () => postfix!.reconfigure({ smtpd_tls_security_level: 'none' }),
        'SmtpStartTlsLost',
        'firing',
      );
      expect(alert.labels.severity).toBe('critical');
      expect(alert.annotations.summary).toContain(target);
    }, STEP_TIMEOUT_MS);

    it('stopping Postfix fires EhloProbeFailing, naming the failed stage', async () => {
      const alert = await expectAlertAfter('stop Postfix', () => postfix!.stopServer(), 'EhloProbeFailing', 'firing');
      expect(alert.labels.severity).toBe('critical');
      expect(alert.annotations.description).toContain(target);
      expect(alert.annotations.description).toMatch(/connect\/\w+/);
    }, STEP_TIMEOUT_MS);

    it('restoring Postfix resolves every alert', async () => {
      const restoredAt = Date.now();
      await postfix!.startServer();
      await postfix!.reconfigure({ message_size_limit: String(SIZE), smtpd_tls_security_level: 'may' });
      for (const alert of ['EhloProbeFailing', 'SmtpStartTlsLost', 'SmtpSizeLimitDecreased']) {
        // One bound for all three: they resolve together.
        const left = Math.max(1_000, restoredAt + ALERT_WAIT_MS - Date.now());
        const received = await webhook!.waitForAlert(alert, 'resolved', restoredAt, left);
        latencies.push({ step: 'restore', alert, status: 'resolved', seconds: Math.round((received.receivedAt - restoredAt) / 100) / 10 });
      }
      // Only the alerts these faults explain fired: no TLS-verify, extension-lost or AUTH alert.
      const fired = new Set(webhook!.alerts().filter((a) => a.status === 'firing').map((a) => a.alertname));
      expect([...fired].sort()).toEqual(['EhloProbeFailing', 'SmtpSizeLimitChanged', 'SmtpSizeLimitDecreased', 'SmtpStartTlsLost']);
    }, STEP_TIMEOUT_MS);

    it('every dashboard panel, variable and annotation query parses and returns data', async () => {
      // The domain dashboard needs a watched domain (none here); its queries are checked statically.
      await liveDashboardCheck(prometheus!, { group: GROUP, target, start: stackStart, dashboards: ['ehlo-fleet-overview', 'ehlo-target-detail'] });
    }, STEP_TIMEOUT_MS);

    // Each change kind happened once here, so each counter series was born at 1: a bare increase()
    // sees no increment in it. The table must still list every change the exporter counted. A
    // probe recorded just before the exporter is read is in the table a scrape and a rule
    // evaluation later (1 s each here), hence the wait; a table that stays behind fails it.
    it('the fleet table of capability changes lists every change the exporter counted', async () => {
      const table = dashboardQueries({ substitutions: { ...DEFAULT_SUBSTITUTIONS, group: GROUP, target } }).find(
        (q) => q.dashboard === 'ehlo-fleet-overview' && q.panelTitle === 'Capability changes in the last 24 h',
      );
      let counted: Record<string, number> = {};
      let shown: Record<string, number> = {};
      await waitFor('the table to show what the exporter counted', async () => {
        const exported = await (await fetch(`${exporter!.url}/metrics`)).text();
        counted = Object.fromEntries(
          [...exported.matchAll(/^smtp_capability_changes_total\{[^}]*change="(\w+)"[^}]*\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
        );
        const rows = await vector(table!.expr);
        shown = Object.fromEntries((rows ?? []).map((r) => [r.metric.change, Number(r.value[1])]));
        const same = (x: Record<string, number>) => JSON.stringify(Object.entries(x).sort());
        return same(shown) === same(counted) || undefined;
      }, 10_000, 500).catch(() => undefined);
      expect(Object.keys(counted)).toEqual(expect.arrayContaining(['size_decreased', 'size_increased', 'starttls_lost']));
      expect(shown).toEqual(counted);
    }, STEP_TIMEOUT_MS);
  },
);
