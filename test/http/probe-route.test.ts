// GET /probe: query validation, refusals mapped to status codes, the fresh registry, debug output.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TARGET_LENGTH } from '../../src/http/limits.js';
import { buildServer } from '../../src/http/server.js';
import { mx1, mx2, result } from '../fixtures/metrics/states.js';
import { find, parseExposition } from '../metrics/parse-exposition.js';
import { fakeDeps, type FakeDeps } from './fake-deps.js';
import type { OnDemandOutcome } from '../../src/state/on-demand-outcome.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(script: FakeDeps['probeOutcome']): { app: FastifyInstance; deps: FakeDeps } {
  const deps = fakeDeps();
  deps.probeOutcome = script;
  app = buildServer(deps);
  return { app, deps };
}

const ok = (r = mx1.last_result!, group: string | undefined = 'mx') => async () => ({ status: 'ok' as const, result: r, group });

describe('/probe query validation', () => {
  it.each([
    ['/probe', 'missing query parameter "target"'],
    ['/probe?target=', 'query parameter "target" must not be empty'],
    ['/probe?target=a%20b', 'query parameter "target" must not contain spaces or control characters'],
    ['/probe?target=a%0d%0aX-Injected:1', 'query parameter "target" must not contain spaces or control characters'],
    [`/probe?target=${'a'.repeat(MAX_TARGET_LENGTH + 1)}`, `query parameter "target" must be at most ${MAX_TARGET_LENGTH} characters`],
    ['/probe?target=a&target=b', 'query parameter "target" must be given once'],
    ['/probe?target=a&debug=maybe', 'query parameter "debug" must be true or false'],
    ['/probe?target=a&foo=1', 'unknown query parameter "foo" (allowed: target, debug, module)'],
  ])('%s → 400 with a clear message, without probing', async (url, message) => {
    const { app, deps } = start(ok());
    const r = await app.inject(url);
    expect(r.statusCode).toBe(400);
    expect(r.headers['x-error-code']).toBe('ERR_BAD_REQUEST');
    expect(r.body).toBe(`${message}\n`);
    expect(deps.calls.probe).toEqual([]);
  });

  it('accepts the module parameter Prometheus configs written for blackbox send', async () => {
    const { app, deps } = start(ok());
    const r = await app.inject('/probe?module=smtp_starttls&target=mx1.example.test%3A25');
    expect(r.statusCode).toBe(200);
    expect(deps.calls.probe).toEqual(['mx1.example.test:25']);
  });
});

describe('/probe refusals', () => {
  it.each([
    ['forbidden', 403, 'ERR_TARGET_FORBIDDEN'],
    ['rate_limited', 429, 'ERR_RATE_LIMITED'],
    ['invalid', 400, 'ERR_TARGET_INVALID'],
  ] as const)('%s → %i %s with the message', async (status, code, errorCode) => {
    const outcome: OnDemandOutcome = status === 'rate_limited' ? { status, message: `refused: ${status}`, retryAfterSeconds: 7 } : { status, message: `refused: ${status}` };
    const { app } = start(async () => outcome);
    const r = await app.inject('/probe?target=10.0.0.1:25');
    expect(r.statusCode).toBe(code);
    expect(r.headers['x-error-code']).toBe(errorCode);
    expect(r.body).toBe(`refused: ${status}\n`);
    expect(r.headers['retry-after']).toBe(status === 'rate_limited' ? '7' : undefined);
  });

  it('sends no Retry-After when the limits never allow the probe', async () => {
    const { app } = start(async () => ({ status: 'rate_limited', message: 'no probes at these limits', retryAfterSeconds: null }));
    const r = await app.inject('/probe?target=10.0.0.1:25');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBeUndefined();
  });

  it('answers 500 without details when the probe function throws', async () => {
    const { app } = start(async () => {
      throw new Error('secret internal detail');
    });
    const r = await app.inject('/probe?target=mx1.example.test:25');
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-error-code']).toBe('ERR_PROBE_FAILED');
    expect(r.body).not.toContain('secret');
  });
});

describe('/probe results', () => {
  it("serves the probe's own registry: its series only, no exporter health, no history", async () => {
    const { app } = start(ok());
    const r = await app.inject('/probe?target=mx1.example.test:25');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const p = parseExposition(r.body);
    expect(find(p, 'smtp_probe_success')).toEqual([{ name: 'smtp_probe_success', labels: { target: mx1.target, group: 'mx' }, value: 1 }]);
    expect(p.samples.every((s) => s.labels.target === mx1.target)).toBe(true);
    expect(p.samples.some((s) => s.name.startsWith('smtp_exporter_'))).toBe(false);
    expect(find(p, 'smtp_extension_advertised', { extension: 'CHUNKING' })).toEqual([]);
  });

  it('reports a failed probe as 200 with smtp_probe_success 0, as blackbox does', async () => {
    const { app } = start(ok(mx2.last_result!, undefined));
    const r = await app.inject('/probe?target=mx2.example.test:25');
    expect(r.statusCode).toBe(200);
    const p = parseExposition(r.body);
    expect(find(p, 'smtp_probe_success')[0]?.value).toBe(0);
    expect(find(p, 'smtp_probe_failures_total', { stage: 'connect', reason: 'refused' })[0]?.value).toBe(1);
  });

  it('evaluates expectations handed back with the result', async () => {
    const { app } = start(async () => ({ status: 'ok', result: mx1.last_result!, group: 'mx', expectations: { starttls: 'required' } }));
    const p = parseExposition((await app.inject('/probe?target=mx1.example.test:25')).body);
    expect(find(p, 'smtp_expectation_met', { expectation: 'starttls_required' })[0]?.value).toBe(1);
  });

  it('debug=true returns the transcript with times, a summary, then the metrics', async () => {
    const hostile = result({
      target: 'evil.example.test:25',
      banner: { code: 220, lines: ['evil \x1b[2J banner'] },
      transcript: [
        { t: 0, dir: '*', line: 'connected to 192.0.2.10:25' },
        { t: 0.0042, dir: 'S', line: '220 evil \x1b[2J banner' },
        { t: 0.005, dir: 'C', line: 'EHLO probe.example.test' },
      ],
    });
    const { app } = start(ok(hostile, 'mx'));
    const r = await app.inject('/probe?target=evil.example.test:25&debug=true');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const text = r.body;
    expect(text).toContain('Probe of evil.example.test:25 (group mx)');
    expect(text).toContain('     0.004 S 220 evil \\x1b[2J banner');
    expect(text).toContain('     0.005 C EHLO probe.example.test');
    expect(text).toContain('  success: true');
    expect(text).not.toContain('\x1b');
    const [log, metrics] = text.split('Metrics that would have been returned:\n');
    expect(log!.indexOf('Transcript')).toBeLessThan(log!.indexOf('Result:'));
    expect(find(parseExposition(metrics!), 'smtp_probe_success')[0]?.value).toBe(1);
  });

  it('debug=true shows the failure of a failed probe', async () => {
    const { app } = start(ok(mx2.last_result!, 'mx'));
    const text = (await app.inject('/probe?target=mx2.example.test:25&debug=true')).body;
    expect(text).toContain('  failure: stage=connect reason=refused code=-');
    expect(text).toContain('  message: connect ECONNREFUSED 192.0.2.11:25');
  });
});
