// Issue 11 end to end, on loopback only and with the real pieces: a knot-signed zone behind a
// validating unbound (the AD bit is real), an HTTPS MTA-STS policy server with a test-CA
// certificate, scripted SMTP servers with STARTTLS and certificates from the same CA, the built
// exporter watching the domain, and Debian's Prometheus and Alertmanager with the shipped rules
// (only `for:` shortened) routing to a webhook in this test. Then, in order:
//   1. the MTA-STS policy enforces and covers mx1 only: SmtpMtaStsMxNotCovered fires for mx2; an MX
//      host in an unsigned zone (another watched domain) is "insecure", with no DANE alert ever;
//      an MX host whose addresses validate but whose TLSA RRset does not (its `_tcp` name is a zone
//      of its own that unbound holds a wrong trust anchor for) is "bogus": SmtpDnssecBogus (critical);
//   2. the TLSA record of mx1 is replaced by one for another key (the certificate "rotated"):
//      smtp_dane_tlsa_match goes to 0, a tlsa_changed event is stored, SmtpDaneTlsaMismatch
//      (critical) fires with the published record and the presented SPKI digest in its text;
//   3. the policy goes from enforce to testing under a new id: an mta_sts_mode_changed event and
//      SmtpMtaStsModeDowngraded, while the not-covered alert resolves;
//   4. a new id whose policy is served as text/html: fetch failures counted, the cached policy kept,
//      SmtpMtaStsPolicyFetchFailing;
//   5. every query of the domain dashboard's policy row returns data from this Prometheus.
// And `probe DOMAIN --mx --policy --json` against the same components, including an MX host in a
// zone whose signatures do not validate and one whose TLSA answer alone does not (bogus: exit 1).
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runProbeCommand } from '../../src/cli/probe-command.js';
import { DEFAULT_SUBSTITUTIONS, dashboardQueries } from '../dashboards/dashboard-queries.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { fastDomainConfigHead } from '../discovery/zone-fixture.js';
import { createCa, type TestCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { dnssecUnavailableReason, startDnssecResolver, tlsaFor, tlsaLine, type DnssecResolver } from '../support/dnssec-resolver.js';
import type { ExporterProcess } from '../support/exporter-process.js';
import { startExporterWithAlerting } from '../support/exporter-with-alerting.js';
import { policyText, startMtaStsServer, type MtaStsServer } from '../support/mta-sts-server.js';
import { prometheusStackUnavailableReason, type AlertingStack } from '../support/prometheus-stack.js';
import { describeWithReal } from '../support/require-real.js';
import { waitFor } from '../support/wait-for.js';

const ZONE = 'policy.test';
const DOMAIN = `mail.${ZONE}`;
const MX1 = `mx1.${ZONE}`;
const MX2 = `mx2.${ZONE}`;
const MX3 = 'mx3.bogus.test';
const MX4 = 'mx4.unsigned.test';
/** Secure addresses in ZONE, but its TLSA records live in the zone BOGUS_TLSA_ZONE, which fails validation. */
const MX5 = `mx5.${ZONE}`;
const BOGUS_TLSA_ZONE = `_tcp.${MX5}`;
const BADTLSA = `badtlsa.${ZONE}`;
const PLAIN = `plain.${ZONE}`;
const ALERT_WAIT_MS = 60_000;
const STEP_TIMEOUT_MS = ALERT_WAIT_MS + 30_000;

describeWithReal(
  'mail TLS policy end to end: DNSSEC + MTA-STS + SMTP → ehlo-exporter → Prometheus → Alertmanager → webhook',
  dnssecUnavailableReason() ?? prometheusStackUnavailableReason(),
  () => {
    let dir: string;
    let ca: TestCa;
    let resolver: DnssecResolver | undefined;
    let sts: MtaStsServer | undefined;
    const smtp: ScriptedSmtpServer[] = [];
    let exporter: ExporterProcess | undefined;
    let stack: AlertingStack | undefined;
    let port = 0;
    let mx1Cert = '';
    const records = (tlsa: string, id: string) =>
      [
        'mail MX 10 mx1',
        'mail MX 20 mx2',
        'mx1 A 127.0.0.51',
        'mx2 A 127.0.0.52',
        tlsa,
        `_mta-sts.mail TXT "v=STSv1; id=${id}"`,
        `mta-sts.mail A ${sts!.address}`,
        '_smtp._tls.mail TXT "v=TLSRPTv1; rua=mailto:tlsrpt@policy.test"',
        // A domain whose MX host lives in an unsigned zone (no DANE), and one in a zone that fails validation.
        `plain MX 10 ${MX4}.`,
        `bogusmx MX 10 ${MX3}.`,
        'badtlsa MX 10 mx5',
        'mx5 A 127.0.0.55',
        // Delegated, as a child zone is: without it this zone's NSEC after mx5 would prove that no name
        // under mx5 exists, and unbound (aggressive NSEC, RFC 8198) would answer the TLSA query from that.
        '_tcp.mx5 NS ns',
        '',
      ].join('\n');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ehlo-e2e-policy-'));
      ca = createCa();
      writeFileSync(join(dir, 'ca.pem'), ca.cert);
      sts = await startMtaStsServer(ca.issue({ commonName: `mta-sts.${DOMAIN}` }), { body: policyText({ mode: 'enforce', mx: [MX1], max_age: 86400 }) });
      const mx1 = ca.issue({ commonName: MX1 });
      mx1Cert = mx1.cert;
      smtp.push(await ScriptedSmtpServer.start({ hostname: MX1, tls: mx1 }, { host: '127.0.0.51', port: 0 }));
      port = smtp[0]!.port;
      smtp.push(await ScriptedSmtpServer.start({ hostname: MX2, tls: ca.issue({ commonName: MX2 }) }, { host: '127.0.0.52', port }));
      smtp.push(await ScriptedSmtpServer.start({ hostname: MX4, tls: ca.issue({ commonName: MX4 }) }, { host: '127.0.0.54', port }));
      const mx5 = ca.issue({ commonName: MX5 });
      smtp.push(await ScriptedSmtpServer.start({ hostname: MX5, tls: mx5 }, { host: '127.0.0.55', port }));
      const tlsa = tlsaLine(`_${port}._tcp.mx1`, tlsaFor(mx1.cert, 3, 1, 1));
      resolver = await startDnssecResolver({
        signed: { [ZONE]: records(tlsa, '1') },
        unsigned: { 'unsigned.test': 'mx4 A 127.0.0.54\n' },
        // The record matches mx5's certificate: only the signatures are wrong, as with an expired RRSIG.
        bogus: { 'bogus.test': 'mx3 A 127.0.0.53\n', [BOGUS_TLSA_ZONE]: `${tlsaLine(`_${port}`, tlsaFor(mx5.cert, 3, 1, 1))}\n` },
      });
      const head = fastDomainConfigHead([resolver.server]);
      // The probes trust the test CA too, so a certificate for the MX host verifies (MTA-STS compliance).
      head.splice(head.indexOf('dns:'), 0, '  tls: { ca_file: ca.pem }');
      ({ exporter, stack } = await startExporterWithAlerting(dir, [
        ...head,
        'policy: { ca_file: ca.pem, fetch_timeout: 5s }',
        'groups:',
        '  - name: inbound',
        '    domains:',
        `      - { domain: ${DOMAIN}, port: ${port} }`,
        `      - { domain: ${PLAIN}, port: ${port} }`,
        `      - { domain: ${BADTLSA}, port: ${port} }`,
      ]));
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      await exporter?.stop();
      await Promise.all(smtp.map((s) => s.close()));
      await sts?.stop();
      await resolver?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const has = async (expr: string) => {
      const r = await stack!.prometheus.query(expr);
      return r.status === 'success' && (r.data?.result as unknown[]).length > 0 ? true : undefined;
    };
    const target = (host: string, address: string) => `${host}:${port}[${address}]`;
    /** `ehlo-exporter probe DOMAIN:PORT --mx --policy --json` against this test's resolver and CA. */
    const probePolicy = async (domain: string) => {
      let out = '';
      let err = '';
      const code = await runProbeCommand([`${domain}:${port}`, '--mx', '--policy', '--json', '--dns-server', resolver!.server, '--ca-file', join(dir, 'ca.pem')], {
        probe: probeTarget,
        defaultHeloName: () => 'probe.ehlo-exporter.test',
        out: (t) => (out += t),
        err: (t) => (err += t),
        nowSeconds: () => Date.now() / 1000,
      });
      return { code, json: JSON.parse(out), err };
    };

    it('exports the policy and fires SmtpMtaStsMxNotCovered for the MX host the enforced policy leaves out', async () => {
      const since = Date.now();
      await waitFor('the policy in Prometheus', () => has(`smtp_mta_sts_policy_info{domain="${DOMAIN}",mode="enforce",id="1"} == 1`), 30_000, 250);
      await waitFor('mx1 covered, compliant and matching its TLSA record', async () =>
        (await has(`smtp_mta_sts_compliant{target="${target(MX1, '127.0.0.51')}"} == 1`)) && (await has(`smtp_dane_tlsa_match{target="${target(MX1, '127.0.0.51')}"} == 1`)), 30_000, 250);
      expect(await has(`smtp_tlsrpt_record_valid{domain="${DOMAIN}"} == 1`)).toBe(true);
      expect(await has(`smtp_dane_dnssec_secure{target="${target(MX2, '127.0.0.52')}"} == 1`)).toBe(true);
      expect(await has(`smtp_dane_tlsa_records{target="${target(MX2, '127.0.0.52')}"} == 0`)).toBe(true);
      // An unsigned zone is "no DANE": reported as insecure, nothing more, and no alert.
      await waitFor('the unsigned MX host looked up', () => has(`smtp_dane_lookup_info{target="${target(MX4, '127.0.0.54')}",status="insecure"} == 1`), 30_000, 250);
      expect(await has(`smtp_dane_dnssec_secure{target="${target(MX4, '127.0.0.54')}"} == 0`)).toBe(true);
      expect(await has(`smtp_dane_tlsa_match{target="${target(MX4, '127.0.0.54')}"}`)).toBeUndefined();
      // A domain without an _mta-sts record has no MTA-STS series.
      expect(await has(`smtp_mta_sts_policy_valid{domain="${PLAIN}"}`)).toBeUndefined();
      const alert = await stack!.webhook.waitForAlert('SmtpMtaStsMxNotCovered', 'firing', since, ALERT_WAIT_MS);
      expect(alert.labels).toMatchObject({ domain: DOMAIN, mx_host: MX2, target: target(MX2, '127.0.0.52'), severity: 'warning' });
      expect(stack!.webhook.alerts().filter((a) => a.labels.alertname === 'SmtpDaneTlsaMismatch')).toEqual([]);
    }, STEP_TIMEOUT_MS);

    it('fires SmtpDnssecBogus (critical) for an MX host whose addresses validate but whose TLSA answer does not', async () => {
      const mx5 = target(MX5, '127.0.0.55');
      // The address is secure, so the MX host is probed: a target exists for the alert to name.
      await waitFor('the bogus TLSA lookup in Prometheus', () => has(`smtp_dane_lookup_info{target="${mx5}",status="bogus"} == 1`), 30_000, 250);
      expect(await has(`smtp_dane_dnssec_secure{target="${mx5}"} == 0`)).toBe(true);
      expect(await has(`smtp_dane_tlsa_records{target="${mx5}"}`)).toBeUndefined();
      const text = await (await fetch(`${exporter!.url}/metrics`)).text();
      expect(text).toContain(`smtp_dane_lookup_info{target="${mx5}",group="inbound",status="bogus"} 1`);
      expect(text).toContain(`smtp_dane_dnssec_secure{target="${mx5}",group="inbound"} 0`);
      // Bogus from the exporter's first lookup on: the alert may have arrived before this test began.
      const alert = await stack!.webhook.waitForAlert('SmtpDnssecBogus', 'firing', 0, ALERT_WAIT_MS);
      expect(alert.labels).toMatchObject({ target: mx5, severity: 'critical' });
      expect(stack!.webhook.alerts().filter((a) => a.labels.alertname === 'SmtpDnssecBogus' && a.labels.target !== mx5)).toEqual([]);
    }, STEP_TIMEOUT_MS);

    it('fires SmtpDaneTlsaMismatch (critical) with the records and the presented SPKI when the TLSA record no longer matches', async () => {
      const other = tlsaFor(ca.issue({ commonName: MX1 }).cert, 3, 1, 1);
      const changedAt = Date.now();
      await resolver!.setZone(ZONE, records(tlsaLine(`_${port}._tcp.mx1`, other), '1'));
      const alert = await stack!.webhook.waitForAlert('SmtpDaneTlsaMismatch', 'firing', changedAt, ALERT_WAIT_MS);
      const spki = createHash('sha256').update(new X509Certificate(mx1Cert).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
      expect(alert.labels).toMatchObject({ target: target(MX1, '127.0.0.51'), severity: 'critical', spki_sha256: spki });
      expect(alert.annotations.description).toContain(`[3 1 1 ${other.data}]`);
      expect(alert.annotations.description).toContain(spki);
      const changes = (await (await fetch(`${exporter!.url}/api/v1/domains/${DOMAIN}/changes`)).json()) as { changes: { kind: string; subject: string; new_value: string }[] };
      expect(changes.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tlsa_changed', subject: MX1, new_value: `3 1 1 ${other.data}` })]));
    }, STEP_TIMEOUT_MS);

    it('records mta_sts_mode_changed and fires SmtpMtaStsModeDowngraded when enforce becomes testing', async () => {
      const changedAt = Date.now();
      sts!.set({ body: policyText({ mode: 'testing', mx: [MX1], max_age: 86400 }) });
      const tlsa = tlsaLine(`_${port}._tcp.mx1`, tlsaFor(mx1Cert, 3, 1, 1));
      await resolver!.setZone(ZONE, records(tlsa, '2'));
      const alert = await stack!.webhook.waitForAlert('SmtpMtaStsModeDowngraded', 'firing', changedAt, ALERT_WAIT_MS);
      expect(alert.labels).toMatchObject({ domain: DOMAIN, severity: 'warning' });
      const changes = (await (await fetch(`${exporter!.url}/api/v1/domains/${DOMAIN}/changes`)).json()) as { changes: { kind: string; old_value: string; new_value: string }[] };
      expect(changes.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'mta_sts_mode_changed', old_value: 'enforce', new_value: 'testing' })]));
      const text = await (await fetch(`${exporter!.url}/metrics`)).text();
      expect(text).toMatch(new RegExp(`smtp_capability_changes_total\\{target="${DOMAIN}",group="inbound",change="mta_sts_mode_changed"\\} 1`));
      expect(text).toContain(`smtp_mta_sts_policy_info{domain="${DOMAIN}",mode="testing",id="2"} 1`);
      // Testing mode refuses nothing: mx2 is still reported as not covered, but the alert resolves.
      expect(text).toContain(`smtp_mta_sts_mx_covered{target="${target(MX2, '127.0.0.52')}",group="inbound"} 0`);
      await stack!.webhook.waitForAlert('SmtpMtaStsMxNotCovered', 'resolved', changedAt, ALERT_WAIT_MS);
    }, STEP_TIMEOUT_MS);

    it('counts a policy served as text/html under a new id and fires SmtpMtaStsPolicyFetchFailing', async () => {
      const changedAt = Date.now();
      sts!.set({ contentType: 'text/html' });
      await resolver!.setZone(ZONE, records(tlsaLine(`_${port}._tcp.mx1`, tlsaFor(mx1Cert, 3, 1, 1)), '3'));
      const alert = await stack!.webhook.waitForAlert('SmtpMtaStsPolicyFetchFailing', 'firing', changedAt, ALERT_WAIT_MS);
      expect(alert.labels).toMatchObject({ domain: DOMAIN, severity: 'warning' });
      // The cached policy (id 2) stays in force meanwhile, as RFC 8461 §5.1 has senders keep it.
      expect(await has(`smtp_mta_sts_policy_info{domain="${DOMAIN}",id="2"} == 1`)).toBe(true);
      expect(await has(`smtp_mta_sts_policy_fetch_failures_total{domain="${DOMAIN}",reason="content_type"} > 1`)).toBe(true);
      sts!.set({ contentType: 'text/plain' });
    }, STEP_TIMEOUT_MS);

    it("every query of the domain dashboard's Mail TLS policy row returns data from this Prometheus", async () => {
      const row = new Set(['MTA-STS mode', 'MTA-STS policy valid', 'MTA-STS max_age', 'TLS-RPT record', 'MTA-STS and DANE per MX address', 'Policy fetch failures by reason', 'Policy and TLSA changes']);
      const queries = dashboardQueries({ substitutions: { ...DEFAULT_SUBSTITUTIONS, domain: DOMAIN } }).filter((q) => q.dashboard === 'ehlo-domain' && row.has(q.panelTitle));
      expect(new Set(queries.map((q) => q.panelTitle))).toEqual(row);
      const end = Date.now() / 1000;
      const empty: string[] = [];
      for (const q of queries) {
        const r = await stack!.prometheus.queryRange(q.expr, end - 300, end, 2);
        expect(r.status, `${q.panelTitle}: ${q.expr}: ${r.error ?? ''}`).toBe('success');
        if (!(r.data?.result as { values?: unknown[] }[]).some((series) => (series.values?.length ?? 0) > 0)) empty.push(`${q.panelTitle}: ${q.expr}`);
      }
      expect(empty).toEqual([]);
    }, STEP_TIMEOUT_MS);

    it('probe DOMAIN --mx --policy --json reports the policy and the verdicts from the same components', async () => {
      const { code, json, err } = await probePolicy(DOMAIN);
      expect(err).toBe('');
      expect(json.policy.mta_sts).toMatchObject({ domain: DOMAIN, record: { id: '3' }, policy: { mode: 'testing', mx: [MX1] }, policy_id: '3', fetch_error: null, tlsrpt: { valid: true } });
      expect(json.policy.dane.lookups.map((l: { host: string; status: string; records: unknown[] }) => [l.host, l.status, l.records.length])).toEqual([
        [MX1, 'secure', 1],
        [MX2, 'secure', 0],
      ]);
      const [mx1, mx2] = json.mx;
      expect(mx1.addresses[0].policy.mta_sts).toEqual({ covered: true, compliant: true, reason: 'ok' });
      expect(mx1.addresses[0].policy.dane).toMatchObject({ usable_records: 1, failure: null });
      expect(mx2.addresses[0].policy).toEqual({ mta_sts: { covered: false, compliant: false, reason: 'not_covered' }, dane: null });
      // Testing mode refuses nothing and the TLSA record matches again: exit 0.
      expect(code).toBe(0);
    }, STEP_TIMEOUT_MS);

    it('probe DOMAIN --mx --policy reports a bogus TLSA lookup and exits 1', async () => {
      const { code, json } = await probePolicy(`bogusmx.${ZONE}`);
      expect(json.policy.dane.lookups).toEqual([expect.objectContaining({ host: MX3, status: 'bogus' })]);
      expect(json.policy.mta_sts).toMatchObject({ record: null, policy: null });
      expect(code).toBe(1);
    }, STEP_TIMEOUT_MS);

    it('probe DOMAIN --mx --policy reports the bogus TLSA answer of an MX host with secure addresses and exits 1', async () => {
      const { code, json } = await probePolicy(BADTLSA);
      expect(json.policy.dane.lookups).toEqual([expect.objectContaining({ host: MX5, name: `_${port}._tcp.${MX5}`, status: 'bogus', records: [] })]);
      // Unlike MX3's, this host's address resolved and the server was probed, over TLS; with no
      // validated TLSA records there is no DANE verdict to give for the address.
      const [mx5] = json.mx;
      expect(mx5).toMatchObject({ host: MX5, error: null });
      expect(mx5.addresses.map((a: { address: string }) => a.address)).toEqual(['127.0.0.55']);
      expect(mx5.addresses[0].probe).toMatchObject({ success: true, tls: expect.objectContaining({}) });
      expect(mx5.addresses[0].policy.dane).toBeNull();
      expect(code).toBe(1);
    }, STEP_TIMEOUT_MS);

    it('no DANE or DNSSEC alert fired for the unsigned MX host', () => {
      const mx4 = stack!.webhook.alerts().filter((a) => a.labels.target === target(MX4, '127.0.0.54'));
      expect(mx4).toEqual([]);
    });
  },
);
