// Issue 10 end to end, on loopback only: Knot DNS serves a mail domain, the built exporter watches it
// (`domains:` with `dns.servers`), Debian's Prometheus evaluates the shipped rules (only `for:`
// shortened) and Alertmanager routes to a webhook in this test. An MX host gains an address, the zone
// is reloaded into knot, and SmtpDomainMxSetChanged must reach the webhook for that domain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fastDomainConfigHead } from '../discovery/zone-fixture.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import type { ExporterProcess } from '../support/exporter-process.js';
import { startExporterWithAlerting } from '../support/exporter-with-alerting.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { prometheusStackUnavailableReason, type AlertingStack } from '../support/prometheus-stack.js';
import { describeWithReal } from '../support/require-real.js';
import { waitFor } from '../support/wait-for.js';

const ZONE = 'alerting.test';
const DOMAIN = `mail.${ZONE}`;
const RECORDS = 'mail MX 10 mx1\nmx1 A 127.0.0.21\n';
const ALERT_WAIT_MS = 60_000;

describeWithReal('a MX set change end to end: Knot → ehlo-exporter → Prometheus → Alertmanager → webhook', knotUnavailableReason() ?? prometheusStackUnavailableReason(), () => {
  let dir: string;
  let knot: KnotServer | undefined;
  const smtp: ScriptedSmtpServer[] = [];
  let exporter: ExporterProcess | undefined;
  let stack: AlertingStack | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehlo-e2e-domain-alerting-'));
    knot = await startKnot({ [ZONE]: RECORDS });
    smtp.push(await ScriptedSmtpServer.start({}, { host: '127.0.0.21', port: 0 }));
    smtp.push(await ScriptedSmtpServer.start({}, { host: '127.0.0.22', port: smtp[0]!.port }));
    ({ exporter, stack } = await startExporterWithAlerting(dir, [
      ...fastDomainConfigHead([knot.servers[0]!]),
      'groups:',
      '  - name: inbound',
      '    domains:',
      `      - { domain: ${DOMAIN}, port: ${smtp[0]!.port} }`,
    ]));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await exporter?.stop();
    await Promise.all(smtp.map((s) => s.close()));
    await knot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('fires SmtpDomainMxSetChanged for the domain when an MX host gains an address', async () => {
    const has = async (expr: string) => {
      const r = await stack!.prometheus.query(expr);
      return r.status === 'success' && (r.data?.result as unknown[]).length > 0 ? true : undefined;
    };
    await waitFor('the domain and its address in Prometheus', () => has(`smtp_domain_mx_hosts{domain="${DOMAIN}"} == 1`), 30_000, 250);
    await waitFor('the counters at 0 in Prometheus', () => has(`smtp_capability_changes_total{target="${DOMAIN}",change="address_added"} == 0`), 30_000, 250);
    expect(stack!.webhook.alerts().filter((a) => a.labels.alertname === 'SmtpDomainMxSetChanged')).toEqual([]);

    const changedAt = Date.now();
    await knot!.setZone(ZONE, `${RECORDS}mx1 A 127.0.0.22\n`);
    const alert = await stack!.webhook.waitForAlert('SmtpDomainMxSetChanged', 'firing', changedAt, ALERT_WAIT_MS);
    expect(alert.labels).toMatchObject({ target: DOMAIN, group: 'inbound', severity: 'info' });
    expect(alert.annotations.summary).toContain(DOMAIN);
    await waitFor('the new address probed', () => (smtp[1]!.connectionCount > 0 ? true : undefined), 10_000);
  }, ALERT_WAIT_MS + 30_000);
});
