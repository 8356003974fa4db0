// The status pages through inject(): what each page shows, filtering, sorting, paging, the odd one
// out, escaping of every server-provided value, and the assets' caching. The browser test
// (test/e2e/status-page-browser.test.ts) drives the same pages against real servers.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { STATUS_CSS } from '../../src/http/status-assets.js';
import type { StoredTranscript } from '../../src/state/types.js';
import { ehlo, hostile, mx1, mx2, result, state, T0 } from '../fixtures/metrics/states.js';
import { change, fakeDeps, type FakeDeps } from './fake-deps.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(deps: FakeDeps = fakeDeps()): FastifyInstance {
  app = buildServer(deps);
  return app;
}

const rowTargets = (body: string) => [...body.matchAll(/<tr class="[^"]*" data-target="([^"]+)"/g)].map((m) => m[1]);

const evil = state({
  target: '<script>alert(1)</script>:25',
  group: '"><img src=x onerror=alert(2)>',
  last_result: result({
    target: 'evil:25',
    banner: { code: 220, lines: [`<script>alert("banner")</script> 'quoted'`] },
    ehlo_before_tls: { ...ehlo({ extensions: ['PIPELINING', 'X-EVIL'] }), keywords: { PIPELINING: [], 'X-EVIL': ['<script>alert(3)</script>', '"q\''] }, malformed: ['<img src=y onerror=alert(4)>'] },
  }),
});

function pool(sizes: number[]) {
  return sizes.map((size, i) =>
    state({
      target: `pool${i}.example.test:25`,
      group: 'pool',
      last_result: result({ target: `pool${i}.example.test:25`, ehlo_before_tls: ehlo({ extensions: ['PIPELINING', 'SIZE', ...(i === 2 ? [] : ['DSN'])], size }) }),
    }),
  );
}

describe('fleet view at /', () => {
  it('shows one row per target, keeps the endpoint links, and sends a strict CSP', async () => {
    const r = await start().inject('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    for (const link of ['/metrics', '/api/v1/targets', '/-/healthy', '/-/ready', '/matrix', '/changes']) expect(r.body).toContain(`href="${link}"`);
    // Failing first: mx2 is down.
    expect(rowTargets(r.body)[0]).toBe(mx2.target);
    expect(rowTargets(r.body)).toHaveLength(5);
    expect(r.body).toContain('50 MiB');
    expect(r.body).toMatch(/status-down">down<\/span><br><small>connect: /);
    expect(r.body).toContain('not probed yet');
  });

  it('escapes hostile target and group names', async () => {
    const deps = fakeDeps();
    deps.states = [mx1, evil];
    const r = await start(deps).inject('/');
    expect(r.body).not.toMatch(/<script>alert|<img/);
    expect(r.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;:25');
    expect(r.body).toContain('href="/targets/%3Cscript%3Ealert(1)%3C%2Fscript%3E%3A25"');
  });

  it('filters by group, status and text, sorts both ways, and pages', async () => {
    const a = start();
    expect(rowTargets((await a.inject('/?group=submission')).body).sort()).toEqual(['fresh.example.test:25', 'legacy.example.test:587']);
    expect(rowTargets((await a.inject('/?status=unprobed')).body)).toEqual(['fresh.example.test:25']);
    expect(rowTargets((await a.inject('/?q=MX1')).body)).toEqual([mx1.target]);
    expect(rowTargets((await a.inject('/?sort=target')).body)).toEqual([...rowTargets((await a.inject('/?sort=target&dir=desc')).body)].reverse());
    const byName = rowTargets((await a.inject('/?sort=target')).body);
    expect(byName).toEqual([...byName].sort());
    const paged = await a.inject('/?sort=target&per=2&page=2');
    expect(rowTargets(paged.body)).toEqual(byName.slice(2, 4));
    expect(paged.body).toContain('page 2 of 3');
    expect((await a.inject('/?colour=red')).statusCode).toBe(400);
  });
});

describe('target page', () => {
  it('renders a hostile banner, keywords and malformed lines as text', async () => {
    const deps = fakeDeps();
    deps.states = [evil];
    const r = await start(deps).inject(`/targets/${encodeURIComponent(evil.target)}`);
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toMatch(/<script>alert|<img/);
    expect(r.body).toContain('&#60;script&#62;alert(&#34;banner&#34;)&#60;/script&#62; &#39;quoted&#39;');
    expect(r.body).toContain('&#60;script&#62;alert(3)&#60;/script&#62; &#34;q&#39;');
    expect(r.body).toContain('&#60;img src=y onerror=alert(4)&#62;');
  });

  it('shows the change timeline with old and new values, and a side-by-side diff of the last two transcripts', async () => {
    const lines = (size: string): StoredTranscript['entries'] => [
      { t: 0, dir: 'S', line: '220 mx ESMTP' },
      { t: 0.1, dir: 'C', line: 'EHLO probe' },
      { t: 0.2, dir: 'S', line: `250-SIZE ${size}` },
      { t: 0.3, dir: 'S', line: '250 8BITMIME' },
    ];
    const transcripts: StoredTranscript[] = [
      { target: mx1.target, started_at: T0 + 60, timings_seconds: { total: 0.5 }, entries: lines('20480000') },
      { target: mx1.target, started_at: T0, timings_seconds: { total: 0.4 }, entries: lines('10240000') },
    ];
    const deps = fakeDeps({});
    deps.status = { ...deps.status, transcripts: () => transcripts };
    const r = await start(deps).inject(`/targets/${encodeURIComponent(mx1.target)}`);
    expect(r.body).toContain('<td class="del">S 250-SIZE 10240000</td><td class="ins">S 250-SIZE 20480000</td><td>changed</td>');
    expect(r.body.match(/<tr class="changed">/g)).toHaveLength(1);
    expect(r.body).toContain('<code class="old-new">2000</code> → <code class="old-new">1000</code>');
    expect(r.body).toContain('id="probe-now" data-target="mx1.example.test:25"');
  });

  it('answers 404 with a code for an unknown target', async () => {
    const r = await start().inject('/targets/nope.example.test%3A25');
    expect(r.statusCode).toBe(404);
    expect(r.headers['x-error-code']).toBe('ERR_TARGET_UNKNOWN');
  });
});

describe('matrix', () => {
  it('marks the member of a pool that differs from the others', async () => {
    const deps = fakeDeps();
    deps.states = [...pool([10240000, 10240000, 5120000])];
    const r = await start(deps).inject('/matrix?group=pool');
    expect(r.body).toContain('Odd one out in pool: <a href="/targets/pool2.example.test%3A25">pool2.example.test:25</a>');
    const odd = [...r.body.matchAll(/<tr class="row-odd"><th scope="row"><a [^>]+>([^<]+)</g)].map((m) => m[1]);
    expect(odd).toEqual(['pool2.example.test:25']);
    expect(r.body.match(/class="odd"/g)).toHaveLength(2); // its SIZE and its missing DSN
    expect((await app!.inject('/matrix?group=nope')).statusCode).toBe(404);
  });
});

describe('changes', () => {
  it('lists the fleet newest first and filters by kind', async () => {
    const deps = fakeDeps();
    deps.status = { ...deps.status, recentChanges: (limit, kind) => [change(mx1.target, 2), { ...change(mx2.target, 1), kind: 'extension_added' as const, subject: 'DSN', old_value: null, new_value: '<b>' }].filter((e) => !kind || e.kind === kind).slice(0, limit) };
    const a = start(deps);
    const all = await a.inject('/changes');
    expect(all.body.match(/<tr data-kind=/g)).toHaveLength(2);
    expect(all.body).toContain('&#60;b&#62;');
    const some = await a.inject('/changes?kind=extension_added');
    expect(some.body.match(/<tr data-kind="extension_added"/g)).toHaveLength(1);
    expect(some.body).not.toContain('data-kind="size_decreased"');
    expect((await a.inject('/changes?kind=nonsense')).statusCode).toBe(400);
  });
});

describe('assets', () => {
  it('serves the stylesheet with an ETag, answers 304 to a revalidation, and 404 to anything else', async () => {
    const a = start();
    const url = `/status/style-${STATUS_CSS.hash}.css`;
    const r = await a.inject(url);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await a.inject({ url, headers: { 'if-none-match': r.headers.etag as string } })).statusCode).toBe(304);
    expect((await a.inject('/status/other.js')).statusCode).toBe(404);
  });
});
