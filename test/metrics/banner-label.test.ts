// smtp_banner_info must not churn: the label drops dates, times, session ids and counters and keeps
// host name, product and version. Real corpus banners, generated ones in every date format real
// MTAs use, and real fake servers whose greeting carries the time, probed a minute apart.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stableBanner } from '../../src/state/stable-banner.js';
import { bannerLabel, MAX_BANNER_LENGTH } from '../../src/metrics/label-values.js';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import type { MetricsSource } from '../../src/metrics/exporter-status.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { TargetStates } from '../../src/state/target-states.js';
import { DATE_FORMATS, formatDate, gmailSessionId } from '../fakes/banner-clock.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { GOLDEN_STATUS } from '../fixtures/metrics/states.js';
import { probeOptions } from '../support/probe-options.js';
import { find, parseExposition } from './parse-exposition.js';

const samples = JSON.parse(readFileSync(new URL('../fixtures/ehlo-samples.json', import.meta.url), 'utf8')) as Array<{ id: string; phase: string; lines: string[] }>;
const CORPUS_BANNERS = samples.filter((s) => s.phase === 'banner');
const at = (iso: string): number => Date.parse(iso) / 1000;

/**
 * Every corpus banner as its server would write it at `t` in session `n`, with the moment the
 * corpus line was captured: rendering at that moment must give the corpus line back, so the
 * templates are the real servers' formats, not ours.
 */
const TEMPLATES: Record<string, { render: (t: number, n: number) => string; capturedAt?: number; label: string }> = {
  'exchange-2003-forum-25-banner': {
    render: (t) => `220 MAIL.testdomain.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at  ${formatDate('rfc5322', t, -420)}`,
    capturedAt: at('2011-09-03T15:39:16Z'),
    label: 'MAIL.testdomain.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at',
  },
  'exchange-2016-doc-25-banner': {
    render: (t) => `220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at ${formatDate('rfc5322', t, -420)}`,
    capturedAt: at('2016-08-05T23:24:41Z'),
    label: 'mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at',
  },
  'exim-4.88-hosting-587-banner-multiline': {
    render: (t) => `220-server ESMTP Exim 4.88 #1 ${formatDate('rfc5322-padded', t, 660)} `,
    capturedAt: at('2017-03-13T07:32:08Z'),
    label: 'server ESMTP Exim 4.88 #1',
  },
  'sendmail-genmon-587-banner': {
    render: (t) => `220 mailserver.example.com ${formatDate('rfc5322', t, -240)}`,
    capturedAt: at('2018-05-01T17:29:28Z'),
    label: 'mailserver.example.com',
  },
  'zoho-587-banner': {
    render: (t) => `220 mx.zohomail.com SMTP Server ready ${formatDate('us-long', t, -420)}`,
    capturedAt: at('2024-04-18T13:40:27Z'),
    label: 'mx.zohomail.com SMTP Server ready',
  },
  'gmail-mx-25-banner-2011': { render: (_t, n) => `220 mx.google.com ESMTP ${gmailSessionId(n)}`, label: 'mx.google.com ESMTP' },
  // A build tag that is a date: taken out like any other date (no way to tell it from today's).
  'coremail-126-25-banner': { render: () => '220 126.com Anti-spam GT for Coremail System (126com[20140526])', label: '126.com Anti-spam GT for Coremail System' },
  'dreamhost-mx-25-banner': { render: () => '220 spaceymail-mx3.g.dreamhost.com ESMTP', label: 'spaceymail-mx3.g.dreamhost.com ESMTP' },
  'haraka-2.4.0-587-banner': { render: () => '220 mail.example.com ESMTP Haraka 2.4.0 ready', label: 'mail.example.com ESMTP Haraka 2.4.0 ready' },
  'maddy-587-banner': { render: () => '220 mail.wtfu.site ESMTP Service Ready', label: 'mail.wtfu.site ESMTP Service Ready' },
  'mailgun-587-banner': { render: () => '220 Mailgun Influx ready', label: 'Mailgun Influx ready' },
  'nodemailer-smtp-server-421-early-talker': { render: () => '421 user-PC You talk too soon', label: 'user-PC You talk too soon' },
  'opensmtpd-587-banner': { render: () => '220 mail.my.domain ESMTP OpenSMTPD', label: 'mail.my.domain ESMTP OpenSMTPD' },
  'postfix-doc-smtputf8-banner': { render: () => '220 server.example.com ESMTP Postfix', label: 'server.example.com ESMTP Postfix' },
  'rfc5321-d1-banner': { render: () => '220 foo.com Simple Mail Transfer Service Ready', label: 'foo.com Simple Mail Transfer Service Ready' },
  'sendgrid-587-banner': {
    render: () => '220 SG ESMTP service ready at ismtpd0002p1sjc2.sendgrid.net',
    label: 'SG ESMTP service ready at ismtpd0002p1sjc2.sendgrid.net',
  },
  'smtp4dev-2.0.9-banner': { render: () => '220 (none) smtp4dev ready', label: '(none) smtp4dev ready' },
  'yahoo-submission-banner': { render: () => '220 smtp.mail.yahoo.com ESMTP ready', label: 'smtp.mail.yahoo.com ESMTP ready' },
};

/** The text after "220 " / "220-". */
const text = (line: string): string => line.slice(4);

describe('the banner templates', () => {
  it('cover every banner of the corpus and give each corpus line back at the moment it was captured', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(CORPUS_BANNERS.map((s) => s.id).sort());
    for (const sample of CORPUS_BANNERS) {
      const template = TEMPLATES[sample.id]!;
      if (sample.id === 'gmail-mx-25-banner-2011') {
        expect(sample.lines[0]).toMatch(/^220 mx\.google\.com ESMTP [a-z]\d+si\d+[a-z]{3}\.\d$/);
        expect(template.render(0, 1)).toMatch(/^220 mx\.google\.com ESMTP [a-z]\d+si\d+[a-z]{3}\.\d$/);
      } else {
        expect(template.render(template.capturedAt ?? 0, 0), sample.id).toBe(sample.lines[0]);
      }
    }
  });
});

describe('stableBanner', () => {
  it.each(CORPUS_BANNERS.map((s) => [s.id, s.lines[0]!] as const))('%s keeps host, product and version only', (id, line) => {
    expect(bannerLabel(text(line))).toBe(TEMPLATES[id]!.label);
  });

  it.each([
    ['mx.example.com ESMTP Sendmail 8.15.2/8.15.2; Wed, 2 Dec 2026 13:24:04 +0000 (UTC)', 'mx.example.com ESMTP Sendmail 8.15.2/8.15.2'],
    ['mx1.example.com ESMTP Exim 4.96 Wed, 02 Dec 2026 13:24:04 +0000', 'mx1.example.com ESMTP Exim 4.96'],
    ['smtp.gmail.com ESMTP d2e1a72fcca58-7b0e1b0e1a1si123456.123 - gsmtp', 'smtp.gmail.com ESMTP - gsmtp'],
    ['email-smtp.amazonaws.com ESMTP SimpleEmailService-d-NUJ3K8OT2 fOOoCRCf7K4uT4zMJ0jA', 'email-smtp.amazonaws.com ESMTP'],
    ['AM0PR10CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at Wed, 2 Dec 2026 13:24:04 +0000 [08DD0A7B0A2F1E8C]', 'AM0PR10CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at'],
    ['courier.example.org ESMTP Wed Dec  2 13:24:04 2026 ready', 'courier.example.org ESMTP ready'],
    ['mx.example.org ESMTP at 1764681844 queue 4fK2Lw3Xq7z9', 'mx.example.org ESMTP at queue'],
    ['mx.example.org 13:24:04 ESMTP ready [192.0.2.25]', 'mx.example.org ESMTP ready [192.0.2.25]'],
  ])('%s → %s', (line, label) => {
    expect(stableBanner(line)).toBe(label);
  });

  const hostName = fc.domain().filter((d) => d.length <= 60);
  const product = fc.constantFrom(
    'ESMTP Exim 4.96',
    'Microsoft ESMTP MAIL Service, Version: 15.20.8207.17 ready at',
    'ESMTP Sendmail 8.15.2/8.15.2/Debian-22',
    'ESMTP Postfix (Debian/GNU)',
    'SMTP Server ready',
    'ESMTP Haraka 3.0.3 ready',
    'ESMTP OpenSMTPD',
  );
  // 2001 … 2099: unix seconds with ten digits, as every real clock prints them today.
  const moment = fc.integer({ min: 1_000_000_000, max: 4_070_000_000 });
  const offset = fc.constantFrom(-420, -240, 0, 60, 330, 660);

  it('gives one label for one server at any two moments, in every date format real MTAs use', () => {
    fc.assert(
      fc.property(hostName, product, fc.constantFrom(...DATE_FORMATS), moment, moment, offset, fc.boolean(), (host, prod, format, t1, t2, off, dateFirst) => {
        const banner = (t: number) =>
          dateFirst ? `${host} ${formatDate(format, t, off)} ${prod}` : `${host} ${prod} ${formatDate(format, t, off)}`;
        const label = bannerLabel(banner(t1));
        expect(bannerLabel(banner(t2))).toBe(label);
        expect(bannerLabel(banner(t1 + 60))).toBe(label);
        expect(label.startsWith(host)).toBe(true);
        expect(label).toContain(prod.split(' ').slice(0, 2).join(' '));
        expect(label.length).toBeLessThanOrEqual(MAX_BANNER_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives one label for one server whatever session id it prints', () => {
    fc.assert(
      fc.property(hostName, fc.nat(), fc.nat(), (host, n1, n2) => {
        expect(stableBanner(`${host} ESMTP ${gmailSessionId(n1)} - gsmtp`)).toBe(stableBanner(`${host} ESMTP ${gmailSessionId(n2)} - gsmtp`));
      }),
    );
  });
});

describe('every corpus banner, probed twice a minute apart over real sockets', () => {
  const servers: ScriptedSmtpServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('yields one smtp_banner_info series per target, while the transcript keeps the full line', async () => {
    let clock = at('2026-12-02T13:24:04Z');
    const entries = await Promise.all(
      CORPUS_BANNERS.map(async (sample) => {
        const server = await ScriptedSmtpServer.start({
          greeting: (session) => session.reply([TEMPLATES[sample.id]!.render(clock, session.index + 1), ...sample.lines.slice(1)]),
        });
        servers.push(server);
        return { sample, server, target: `${sample.id}:${server.port}` };
      }),
    );
    const states = new TargetStates(SqliteStateStore.open(':memory:'), { now: () => clock, retentionDays: 30 });
    const source: MetricsSource = { targets: () => states.snapshot(), targetConfig: () => ({}), backoffs: () => new Map(), status: () => GOLDEN_STATUS };
    const registry = createExporterRegistry(source);

    const bannersSeen = new Map<string, Set<string>>();
    const firstLines = new Map<string, Set<string>>();
    for (let round = 0; round < 2; round++) {
      for (const { server, target } of entries) {
        const result = await probeTarget(
          { target, host: server.host, port: server.port },
          probeOptions({ starttls: 'never' }),
        );
        expect(result.banner, target).not.toBeNull();
        states.record(target, 'corpus', result);
        expect(result.transcript.some((e) => e.dir === 'S' && e.line.endsWith(result.banner!.lines[0]!)), target).toBe(true);
        firstLines.set(target, (firstLines.get(target) ?? new Set()).add(result.banner!.lines[0]!));
      }
      const parsed = parseExposition(await registry.metrics());
      for (const { target } of entries) {
        const series = find(parsed, 'smtp_banner_info', { target });
        expect(series, target).toHaveLength(1);
        bannersSeen.set(target, (bannersSeen.get(target) ?? new Set()).add(series[0]!.labels.banner!));
      }
      clock += 60;
    }
    for (const { sample, target } of entries) {
      expect([...bannersSeen.get(target)!], sample.id).toEqual([TEMPLATES[sample.id]!.label]);
    }
    // The servers really did say something different each time: the dated and session-id ones.
    const changing = entries.filter(({ target }) => firstLines.get(target)!.size === 2).map((e) => e.sample.id);
    expect(changing.sort()).toEqual(Object.keys(TEMPLATES).filter((id) => TEMPLATES[id]!.capturedAt !== undefined || id.startsWith('gmail')).sort());
  });
});
