/// <reference lib="dom" />
// The status page in a real browser (Debian's Chromium via playwright-core) against a running
// exporter process, over its web config's TLS and basic auth, probing a private Postfix whose SIZE
// is changed mid-test, a pool of scripted servers with one odd member, and a scripted server whose
// banner and keywords carry markup. Screenshots of every view go to test-artifacts/status-page/.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { get } from '../hostile/https-get.js';
import { artifactDir, chromiumUnavailableReason, launchChromium, pngSize, type Browser } from '../support/chromium.js';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { postfixUnavailableReason, startPostfix, type PostfixInstance } from '../support/postfix-instance.js';
import { describeWithReal } from '../support/require-real.js';
import { waitFor } from '../support/wait-for.js';

const SIZE = 10_240_000;
const NEW_SIZE = 20_480_000;
const USER = 'oncall';
const PASSWORD = 'three in the morning';
const VIEWPORT = { width: 1280, height: 800 };
const HOSTILE_BANNER = `<script>alert("banner")</script> 'q' ESMTP`;
const HOSTILE_KEYWORD = `X-EVIL <script>alert("kw")</script> "q'`;
const HOSTILE_LINE = '<img src=x onerror=alert(1)>';

const unavailable = postfixUnavailableReason() ?? chromiumUnavailableReason();
const TEST_TIMEOUT_MS = 60_000;

describeWithReal('the status page in headless Chromium', unavailable, () => {
  let postfix: PostfixInstance;
  const scripted: ScriptedSmtpServer[] = [];
  let exporter: ExporterProcess;
  let browser: Browser;
  let page: Page;
  let dir: string | undefined;
  let base: string;
  let relay: string;
  let pool: string[];
  let hostile: string;
  const dialogs: string[] = [];
  const shots = artifactDir('status-page');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehlo-status-'));
    postfix = await startPostfix({ messageSizeLimit: SIZE });
    relay = `127.0.0.1:${postfix.port}`;
    writeFileSync(join(dir, 'postfix.pem'), postfix.certificatePem);
    for (const odd of [false, false, true]) {
      scripted.push(await ScriptedSmtpServer.start({ capabilities: ['PIPELINING', odd ? 'SIZE 5120000' : `SIZE ${SIZE}`, '8BITMIME', ...(odd ? [] : ['DSN'])] }));
    }
    pool = scripted.map((s) => `127.0.0.1:${s.port}`);
    const evil = await ScriptedSmtpServer.start({ greeting: [`220 ${HOSTILE_BANNER}`], capabilities: ['PIPELINING', HOSTILE_KEYWORD, HOSTILE_LINE] });
    scripted.push(evil);
    hostile = `127.0.0.1:${evil.port}`;

    const ca = createCa();
    const cert = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'cert.pem'), cert.cert);
    writeFileSync(join(dir, 'key.pem'), cert.key);
    const hash = bcrypt.hashSync(PASSWORD, 4);
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  ${USER}: "${hash}"\n`);
    const config = {
      defaults: { schedule: '* * * * * *', timeout: '5s', helo_name: 'probe.ehlo-exporter.test' },
      politeness: { min_gap: '0s' },
      groups: [
        { name: 'relays', tls: { server_name: 'localhost', ca_file: 'postfix.pem' }, targets: [relay] },
        { name: 'pool', expect: { starttls: 'required' }, targets: pool },
        { name: 'hostile', targets: [hostile] },
      ],
    };
    writeFileSync(join(dir, 'ehlo-exporter.yml'), stringify(config));
    exporter = await startExporter(
      [`--config.file=${join(dir, 'ehlo-exporter.yml')}`, `--storage.path=${join(dir, 'state.db')}`, `--web.config.file=${join(dir, 'web.yml')}`, '--log.level=warn'],
      { ready: false },
    );
    base = `https://localhost:${exporter.port}`;
    await waitFor('the exporter over HTTPS', async () => ((await get(`${base}/-/ready`, { ca: ca.cert, credentials: `${USER}:${PASSWORD}` }).catch(() => null))?.status === 200 ? true : undefined), 20_000);
    // Every target probed at least once, as the JSON API says.
    await waitFor('every target probed', async () => {
      const r = await get(`${base}/api/v1/targets`, { ca: ca.cert, credentials: `${USER}:${PASSWORD}` });
      const targets = (JSON.parse(r.body) as { targets: { last_result: { success: boolean } | null }[] }).targets;
      return targets.length === 5 && targets.every((t) => t.last_result?.success) ? true : undefined;
    }, 30_000);

    // A zone far from UTC, so local times are visibly not UTC.
    browser = await launchChromium({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'Asia/Tokyo', httpCredentials: { username: USER, password: PASSWORD }, ignoreHTTPSErrors: true, bypassCSP: true });
    browser.context.setDefaultTimeout(10_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await exporter?.stop();
    await Promise.all(scripted.map((s) => s.close()));
    await postfix?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rowOf = (target: string) => page.locator(`#fleet tbody tr[data-target="${target}"]`);
  const cells = async (target: string) => (await rowOf(target).locator('th, td').allInnerTexts()).map((t) => t.trim());
  const targetPage = (target: string) => `${base}/targets/${encodeURIComponent(target)}`;

  async function screenshot(name: string): Promise<void> {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path });
    const png = pngSize(path);
    expect(png.width).toBe(VIEWPORT.width);
    expect(png.height).toBe(VIEWPORT.height);
    // A blank 1280×800 page compresses to a few KB; a rendered table does not.
    expect(png.bytes).toBeGreaterThan(20_000);
  }

  async function seriousViolations(): Promise<string[]> {
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
      return (await axe.run()).violations;
    });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  it('shows the fleet with its values, over TLS and basic auth, accessibly', async () => {
    await page.goto(`${base}/`);
    expect(page.url()).toMatch(/^https:/);
    const relayRow = await cells(relay);
    expect(relayRow[1]).toBe('relays');
    expect(relayRow[2]).toBe('up');
    expect(relayRow[3]).toBe('9.8 MiB');
    expect(relayRow[4]).toBe('yes'); // STARTTLS
    expect(relayRow[5]).toMatch(/^TLSv1\.[23]$/);
    expect(Number(relayRow[6])).toBeGreaterThanOrEqual(28); // a 30-day certificate
    expect(relayRow[8]).toContain('PIPELINING');
    expect(await rowOf(relay).locator('td').nth(9).locator('time').getAttribute('title')).toMatch(/UTC\)$/);
    // The pool fails its STARTTLS expectation: it stands out.
    const poolRow = await cells(pool[0]!);
    expect(poolRow[9]).toBe('starttls_required');
    expect(await rowOf(pool[0]!).getAttribute('class')).toContain('row-expect');
    for (const link of ['/metrics', '/api/v1/targets', '/-/healthy', '/-/ready']) expect(await page.locator(`footer a[href="${link}"]`).count()).toBe(1);
    await screenshot('fleet');
    expect(await seriousViolations()).toEqual([]);

    // On a phone the page does not scroll sideways: the wide table scrolls inside its own box.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(shots, 'fleet-phone.png') });
      expect(pngSize(join(shots, 'fleet-phone.png')).width).toBe(390);
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
  }, TEST_TIMEOUT_MS);

  it('filters by group and text and sorts by SIZE, from the keyboard too', async () => {
    await page.goto(`${base}/`);
    await page.selectOption('select[name="group"]', 'pool');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/group=pool/);
    const rows = () => page.locator('#fleet tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-target')));
    expect((await rows()).sort()).toEqual([...pool].sort());
    await page.click('#fleet thead a:text("SIZE")');
    await page.waitForURL(/sort=size/);
    expect((await rows())[0]).toBe(pool[2]); // 5 MiB, the smallest
    await page.click('#fleet thead a:text("SIZE")');
    await page.waitForURL(/dir=desc/);
    expect((await rows())[2]).toBe(pool[2]);
    expect(await page.locator('#fleet thead th[aria-sort="descending"]').innerText()).toContain('SIZE');

    // Keyboard only: the skip link first, then the controls in order, Enter submits.
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name === 'q');
    }
    expect(reached, 'the search box is reachable with Tab').toBe(true);
    await page.keyboard.type('relays');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=relays/);
    expect(await rows()).toEqual([relay]);
    await page.locator(`#fleet tbody a`).first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/targets\//);
    expect(await page.locator('h1').innerText()).toBe(relay);
  }, TEST_TIMEOUT_MS);

  it('marks the odd member of the pool in the matrix', async () => {
    await page.goto(`${base}/matrix?group=pool`);
    expect(await page.locator('#matrix tr.row-odd th').allInnerTexts()).toEqual([pool[2]]);
    const odd = await page.locator('#matrix tr.row-odd td.odd').count();
    expect(odd).toBe(2); // its SIZE and its missing DSN
    expect(await page.locator('#matrix thead th.bad').allInnerTexts()).toEqual(['SIZE', 'DSN']);
    await screenshot('matrix');
    expect(await seriousViolations()).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('renders a banner and keywords carrying <script> and quotes as text', async () => {
    for (const url of [`${base}/`, targetPage(hostile)]) {
      await page.goto(url);
      expect(await page.locator('script').count()).toBe(1); // ours
      expect(await page.locator('main img').count()).toBe(0);
    }
    expect(await page.locator('#banner').innerText()).toBe(`220 ${HOSTILE_BANNER}`);
    const text = await page.locator('#capabilities').innerText();
    expect(text).toContain(`<script>alert("kw")</script> "q'`);
    expect(await page.locator('main').innerText()).toContain(HOSTILE_LINE);
    await screenshot('hostile-target');
    expect(dialogs).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('shows a SIZE change in /changes and on the target page, old and new, with the transcript diff', async () => {
    await postfix.reconfigure({ message_size_limit: String(NEW_SIZE) });
    await waitFor('the change on /changes', async () => {
      await page.goto(`${base}/changes?kind=size_increased`);
      return (await page.locator(`#changes tbody tr`).count()) > 0 ? true : undefined;
    }, 20_000);
    const row = page.locator('#changes tbody tr').first();
    expect(await row.locator('th').innerText()).toBe(relay);
    expect(await row.locator('code.old-new').allInnerTexts()).toEqual([String(SIZE), String(NEW_SIZE)]);
    // When: in the viewer's zone, UTC on hover.
    const when = row.locator('time');
    expect(await when.innerText()).toMatch(/GMT\+9$/);
    expect(await when.getAttribute('title')).toMatch(/GMT\+9 \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/);
    await screenshot('changes');
    expect(await seriousViolations()).toEqual([]);

    await row.locator('th a').click();
    await page.waitForURL(/\/targets\//);
    const timeline = await page.locator('#timeline li').allInnerTexts();
    expect(timeline.some((l) => l.includes('size_increased') && l.includes(`${SIZE} → ${NEW_SIZE}`))).toBe(true);
    const changed = await page.locator('#transcript-diff tr.changed').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
    expect(changed).toContainEqual([`S 250-SIZE ${SIZE}`, `S 250-SIZE ${NEW_SIZE}`]);
    await screenshot('target');
    expect(await seriousViolations()).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('"probe now" runs an on-demand probe and shows its transcript', async () => {
    await page.goto(targetPage(relay));
    await page.click('#probe-now');
    await page.waitForFunction(() => document.getElementById('probe-output')?.textContent?.includes('Metrics that would have been returned'), undefined, { timeout: 15_000 });
    const out = await page.locator('#probe-output').innerText();
    expect(out).toContain('Transcript (seconds since the probe started):');
    expect(out).toMatch(/C EHLO probe\.ehlo-exporter\.test/);
    expect(out).toContain(`S 250-SIZE ${NEW_SIZE}`);
    await screenshot('probe-now');
  }, TEST_TIMEOUT_MS);
});
