// The probe pool over real worker threads and real sockets: the same answers as probeTarget() on
// the main thread, timings measured in the worker, results that state/ can share as before, and a
// lost worker (exited, crashed, spinning) answered as a failure and replaced, never a hang.
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ProbePool, ProbePoolClosedError, type ProbePoolOptions } from '../../src/probe/probe-pool.js';
import type { ProbeOptions } from '../../src/probe/probe-options.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { decideRecord } from '../../src/state/record-step.js';
import { emptyState } from '../../src/state/state-codec.js';
import { createCa, type KeyAndCert, type TestCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer, type ScriptedServerOptions } from '../fakes/scripted-smtp-server.js';
import { ensureBuilt, PROBE_WORKER_JS } from '../support/exporter-process.js';
import { probeOptions, type ProbeOptionChanges } from '../support/probe-options.js';

const FAULTY_WORKER = new URL('../fakes/faulty-probe-worker.mjs', import.meta.url);

const servers: ScriptedSmtpServer[] = [];
const pools: ProbePool[] = [];
afterEach(async () => {
  await Promise.all([...servers.splice(0).map((s) => s.close()), ...pools.splice(0).map((p) => p.close())]);
});

let ca: TestCa;
let cert: KeyAndCert;
beforeAll(async () => {
  await ensureBuilt();
  ca = createCa();
  cert = ca.issue({ commonName: 'mx.example.com', sans: ['mx.example.com'] });
});

async function serve(options: ScriptedServerOptions): Promise<ScriptedSmtpServer> {
  const server = await ScriptedSmtpServer.start(options);
  servers.push(server);
  return server;
}

function pool(options: Partial<ProbePoolOptions> = {}): ProbePool {
  const p = new ProbePool({ workers: 2, workerUrl: pathToFileURL(PROBE_WORKER_JS), ...options });
  pools.push(p);
  return p;
}

const at = (server: ScriptedSmtpServer) => ({ target: `127.0.0.1:${server.port}`, host: '127.0.0.1', port: server.port });

function options(over: ProbeOptionChanges = {}): ProbeOptions {
  return probeOptions({ starttls: 'required', tls: { serverName: 'mx.example.com', ca: ca.cert, failOnVerifyError: true }, ...over });
}

/** What does not depend on when the probe ran. */
function facts(result: ProbeResult): unknown {
  const { started_at: _, timings_seconds: timings, transcript, ...rest } = result;
  // Events ('*') such as a TLS 1.3 ticket's arrival fall where the race puts them; the dialogue does not.
  return { ...rest, phases: Object.keys(timings).sort(), transcript: transcript.filter((e) => e.dir !== '*').map((e) => `${e.dir} ${e.line}`) };
}

describe('probes in worker threads', () => {
  test('answer exactly as probeTarget() does on the main thread, STARTTLS verified with a CA sent as PEM text', async () => {
    const server = await serve({ tls: cert, capabilities: ['PIPELINING', 'SIZE 10240000', 'STARTTLS'], capabilitiesAfterTls: ['SIZE 20480000', 'AUTH PLAIN'] });
    const p = pool();
    // Ten at once spread over both workers; one CA bundle, given as a Buffer, arrives as text.
    const inPool = await Promise.all(Array.from({ length: 10 }, () => p.submit(at(server), options({ tls: { ...options().tls, ca: Buffer.from(ca.cert) } }))));
    const inMain = await probeTarget(at(server), options());
    expect(inMain.success).toBe(true);
    expect(inMain.tls?.verified).toBe(true);
    for (const result of inPool) expect(facts(result)).toEqual(facts(inMain));
    expect(p.inFlight).toBe(0);
  });

  test('per-phase timings are measured in the worker: a greeting 300 ms late is in `greeting`, not elsewhere', async () => {
    const server = await serve({
      greeting: async (s) => {
        await s.sleep(300);
        s.reply(['220 mx.example.com ESMTP']);
      },
    });
    const result = await pool().submit(at(server), options({ starttls: 'never' }));
    expect(result.success).toBe(true);
    const t = result.timings_seconds;
    // The server's 300 ms start at its accept, the worker's greeting clock at its own connect event,
    // which a busy machine delays by some milliseconds (CI: 288 ms measured): the bound leaves room.
    expect(t.greeting).toBeGreaterThanOrEqual(0.25);
    expect(t.connect! + t.ehlo!).toBeLessThan(0.25);
    expect(t.total).toBeGreaterThanOrEqual(t.greeting! + t.connect! + t.ehlo!);
    expect(result.started_at).toBeGreaterThan(Date.now() / 1000 - 10);
  });

  test('results crossed threads as plain data: state/ still shares facts that did not change', async () => {
    const server = await serve({ tls: cert, capabilities: ['SIZE 10240000', 'STARTTLS'] });
    const p = pool();
    const first = await p.submit(at(server), options());
    expect(Object.getPrototypeOf(first.ehlo_after_tls)).toBe(Object.prototype);
    const context = { group: 'g', now: 1_000, retentionSeconds: 86_400, writtenAt: -Infinity, backoff: null };
    const once = decideRecord(emptyState('t', 'g'), first, context).next;
    const twice = decideRecord(once, await p.submit(at(server), options()), { ...context, now: 1_060 }).next;
    // A fresh clone each probe, yet the state holds the first copy: share-unchanged works by value.
    expect(twice.last_result!.ehlo_after_tls).toBe(once.last_result!.ehlo_after_tls);
    expect(twice.last_result!.tls).toBe(once.last_result!.tls);
  });

  test('options that cannot cross threads reject that probe only; the others handed over with it run', async () => {
    const server = await serve({});
    const p = pool({ workers: 1 });
    const plain = options({ starttls: 'never' });
    const bad = { ...plain, extra: () => 'a function cannot be cloned' } as ProbeOptions;
    // Submitted in one task, so they would travel to the worker in one message.
    const [before, broken, after] = await Promise.allSettled([p.submit(at(server), plain), p.submit(at(server), bad), p.submit(at(server), plain)]);
    expect(broken).toMatchObject({ status: 'rejected', reason: { name: 'DataCloneError' } });
    expect(before).toMatchObject({ status: 'fulfilled', value: { success: true } });
    expect(after).toMatchObject({ status: 'fulfilled', value: { success: true } });
    expect(p.inFlight).toBe(0);
  });

  test('a clock cannot cross threads: refused at submit(), not silently ignored', async () => {
    const clock = { monotonicMs: () => 0, wallMs: () => 0 };
    await expect(pool({ workers: 1 }).submit({ target: 'x:25', host: 'x', port: 25 }, options({ clock }))).rejects.toThrow(/options\.clock/);
  });
});

describe('a lost worker', () => {
  /** A server that never greets: the probe is mid-session (connected, reading) when its worker dies. */
  const silent = () => serve({ greeting: async (s) => s.sleep(10_000) });

  test.each([
    ['exits', 'exit.worker.test', /the probe worker exited with code 7 before the probe finished/],
    ['throws', 'throw.worker.test', /the probe worker crashed: injected crash before the probe finished/],
  ])('that %s mid-probe: every probe it ran fails as ERR_PROBE_WORKER_LOST, once, and a new worker takes over', async (_, helo, message) => {
    const server = await silent();
    const healthy = await serve({});
    const lost: Array<{ reason: string; probesLost: number }> = [];
    const p = pool({ workers: 1, workerUrl: FAULTY_WORKER, onWorkerLost: (e) => lost.push(e) });
    const other = p.submit(at(server), options({ starttls: 'never', timeoutSeconds: 0.5 }));
    const result = await p.submit(at(server), options({ heloName: helo, starttls: 'never' }));
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ stage: 'connect', reason: 'network_error', detail: 'ERR_PROBE_WORKER_LOST', code: null });
    expect(result.error!.message).toMatch(message);
    expect(result.timings_seconds.total).toBeGreaterThanOrEqual(0.09);
    expect(result.target).toBe(at(server).target);
    // The other probe shared the thread, so it was lost too; both were counted once.
    expect((await other).error?.detail).toBe('ERR_PROBE_WORKER_LOST');
    expect(lost).toEqual([{ reason: expect.stringMatching(/exited|crashed/), probesLost: 2 }]);
    const after = await p.submit(at(healthy), options({ starttls: 'never' }));
    expect(after.error).toBeNull();
  });

  test('that spins (never answers): replaced once a probe outlives its timeout plus the grace', async () => {
    const server = await silent();
    const healthy = await serve({});
    const p = pool({ workers: 1, workerUrl: FAULTY_WORKER, stuckGraceMs: 300 });
    const started = performance.now();
    const result = await p.submit(at(server), options({ heloName: 'spin.worker.test', starttls: 'never', timeoutSeconds: 0.2 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect(result.error?.detail).toBe('ERR_PROBE_WORKER_LOST');
    expect(result.error!.message).toContain('stopped answering (a probe outlived its 0.2 s timeout)');
    expect((await p.submit(at(healthy), options({ starttls: 'never' }))).success).toBe(true);
  });

  test('that cannot start (no such script): probes are answered as failures, not left waiting', async () => {
    const server = await serve({});
    const p = pool({ workers: 1, workerUrl: new URL('../fakes/no-such-worker.mjs', import.meta.url), restartDelayMs: 60_000 });
    const result = await p.submit(at(server), options({ starttls: 'never' }));
    expect(result.error).toMatchObject({ detail: 'ERR_PROBE_WORKER_LOST' });
    expect(result.error!.message).toMatch(/crashed: .*no-such-worker/);
  });
});

describe('close()', () => {
  test('with probes in flight and queued: they reject with ProbePoolClosedError, the threads end, later submits reject', async () => {
    const server = await serve({ greeting: async (s) => s.sleep(10_000) });
    const p = pool({ workers: 1, maxInFlightPerWorker: 1 });
    const settled = (probe: Promise<ProbeResult>) => probe.then(() => 'answered', (error: unknown) => error);
    const running = settled(p.submit(at(server), options({ starttls: 'never' })));
    const queued = settled(p.submit(at(server), options({ starttls: 'never' })));
    await expect.poll(() => servers[0]!.sessions.length, { timeout: 2000 }).toBe(1);
    expect(p.inFlight).toBe(1);
    await p.close();
    expect(await running).toBeInstanceOf(ProbePoolClosedError);
    expect(await queued).toBeInstanceOf(ProbePoolClosedError);
    await expect(p.submit(at(server), options())).rejects.toMatchObject({ code: 'ERR_PROBE_POOL_CLOSED' });
    // The server saw the session end when the thread did: nothing is left running.
    await expect.poll(() => servers[0]!.sessions.every((s) => s.closed), { timeout: 2000 }).toBe(true);
  });
});
