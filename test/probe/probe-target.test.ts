// probeTarget() against the scripted server over real sockets: greeting, EHLO/HELO, STARTTLS
// refusals, misbehaving servers. Every test is bounded by the probe's own deadline.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeTarget } from '../../src/probe/probe-target.js';
import { toProbeJson, type ProbeResult, type ProbeResultJson } from '../../src/probe/probe-result.js';
import { ScriptedSmtpServer, type ScriptedServerOptions } from '../fakes/scripted-smtp-server.js';
import { probeOptions, type ProbeOptionChanges } from '../support/probe-options.js';

const servers: ScriptedSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: ScriptedServerOptions = {}): Promise<ScriptedSmtpServer> {
  const server = await ScriptedSmtpServer.start(options);
  servers.push(server);
  return server;
}

/** The probe's answer in its `probe --json` form, the contract these tests check. */
const probeJson = (...args: Parameters<typeof probeTarget>) => probeTarget(...args).then((r) => toProbeJson(r));

function probe(server: { port: number }, over: ProbeOptionChanges = {}): Promise<ProbeResultJson> {
  return probeJson({ target: `127.0.0.1:${server.port}`, host: '127.0.0.1', port: server.port }, probeOptions(over));
}

/** The client's manners, asserted after every conversation that got past the greeting. */
function expectWellBehavedClient(server: ScriptedSmtpServer): void {
  const session = server.lastSession;
  expect(session).toBeDefined();
  expect(session?.violations).toEqual([]);
}

describe('greeting', () => {
  test('reads a multi-line greeting to its last line before sending a byte', async () => {
    let receivedBeforeLastLine: string | null = null;
    const server = await serve({
      greeting: async (s) => {
        s.reply(['220-mx.test ESMTP first line', '220-second line']);
        await s.sleep(300);
        receivedBeforeLastLine = s.received;
        s.reply(['220 last line']);
      },
    });
    const result = await probe(server);
    expect(receivedBeforeLastLine).toBe('');
    expect(result.success).toBe(true);
    expect(result.banner).toEqual({ code: 220, lines: ['mx.test ESMTP first line', 'second line', 'last line'] });
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'QUIT']);
    expectWellBehavedClient(server);
  });

  test('waits for a slow greeting that arrives within the deadline', async () => {
    const server = await serve({
      greeting: async (s) => {
        await s.sleep(500);
        s.reply(['220 slow.test ESMTP']);
      },
    });
    const result = await probe(server, { timeoutSeconds: 4 });
    expect(result.success).toBe(true);
    expect(result.timings_seconds.greeting).toBeGreaterThanOrEqual(0.4);
    expectWellBehavedClient(server);
  });

  test('a silent server times out at the greeting, within the deadline', async () => {
    const server = await serve({ greeting: () => {} });
    const result = await probe(server, { timeoutSeconds: 1 });
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'timeout', detail: 'ERR_REPLY_TIMEOUT', code: null });
    expect(result.timings_seconds.total).toBeLessThan(3);
    expect(server.lastSession?.received).toBe('');
  });

  test.each([
    [421, '421 4.7.0 mx.test Error: too many connections', 'service_unavailable'],
    [554, '554 5.7.1 No SMTP service here', 'rejected'],
  ] as const)('a %i greeting ends the probe at once, with QUIT', async (code, line, reason) => {
    const server = await serve({ greeting: [line] });
    const result = await probe(server);
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ stage: 'greeting', reason, detail: reason === 'rejected' ? 'ERR_REPLY_REJECTED' : 'ERR_SERVICE_UNAVAILABLE', code });
    // The message is for people: it quotes the server's own words.
    expect(result.error?.message).toBe(`greeting: server replied ${code} ${JSON.stringify(line.slice(4))}`);
    expect(result.banner?.code).toBe(code);
    expect(result.esmtp).toBeNull();
    expect(result.reply_codes).toEqual({ greeting: code, quit: 221 });
    expect(server.lastSession?.commands).toEqual(['QUIT']);
  });

  test('a 421 greeting followed by an immediate close is still reported as 421', async () => {
    const server = await serve({
      greeting: (s) => {
        s.reply(['421 4.3.2 Service shutting down']);
        s.end();
      },
    });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'service_unavailable', code: 421 });
  });

  test('bytes that are not an SMTP reply are a protocol error', async () => {
    const server = await serve({ greeting: ['HTTP/1.1 400 Bad Request'] });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'protocol_error', code: null });
    expect(server.lastSession?.received).toBe('');
  });

  test('a reply sent after the greeting, before we speak, is a protocol error', async () => {
    const server = await serve({ greeting: ['220 mx.test ESMTP', '250 unsolicited'] });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'protocol_error' });
    expect(server.lastSession?.received).toBe('');
  });
});

describe('EHLO and HELO', () => {
  test('reads replies that end lines with a bare LF', async () => {
    const server = await serve({ lineEnding: '\n', capabilities: ['SIZE 52428800', 'AUTH PLAIN LOGIN', '8BITMIME'] });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.size).toEqual({ advertised: true, limit_bytes: 52428800, no_fixed_limit: false });
    expect(result.auth_mechanisms).toEqual(['LOGIN', 'PLAIN']);
    expect(result.extensions).toEqual(['8BITMIME', 'AUTH', 'SIZE']);
    expectWellBehavedClient(server);
  });

  test('EHLO refused with 502 falls back to HELO: not ESMTP, no extensions', async () => {
    const server = await serve({ ehlo: ['502 5.5.2 Error: command not recognized'] });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.esmtp).toBe(false);
    expect(result.extensions).toEqual([]);
    expect(result.ehlo_before_tls).toBeNull();
    expect(result.starttls).toEqual({ mode: 'auto', offered: false, attempted: false, reply_code: null });
    expect(result.reply_codes).toMatchObject({ ehlo: 502, helo: 250 });
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'HELO probe.example.net', 'QUIT']);
    expectWellBehavedClient(server);
  });

  test('after a HELO fallback, required STARTTLS fails as not offered', async () => {
    const server = await serve({ ehlo: ['500 5.5.1 Unknown command'] });
    const result = await probe(server, { starttls: 'required' });
    expect(result.error).toMatchObject({ stage: 'starttls', reason: 'starttls_not_offered', code: null });
    expect(result.esmtp).toBe(false);
  });

  test('HELO refused too fails at stage helo with its code', async () => {
    const server = await serve({ ehlo: ['502 no'], helo: ['550 5.7.1 go away'] });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'helo', reason: 'rejected', code: 550 });
  });

  test('421 to EHLO is service_unavailable at stage ehlo', async () => {
    const server = await serve({ ehlo: ['421 4.7.0 try later'] });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'service_unavailable', code: 421 });
    expect(server.lastSession?.commands).not.toContain('HELO probe.example.net');
  });

  test('the server closing after the greeting fails at ehlo as closed', async () => {
    const server = await serve({ ehlo: (s) => s.end() });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'closed', code: null });
  });

  test('capabilities changed between connections are seen by the next probe', async () => {
    const server = await serve({ capabilities: ['SIZE 1000', 'PIPELINING'] });
    const first = await probe(server);
    server.set({ capabilities: ['SIZE 2000', 'CHUNKING'] });
    const second = await probe(server);
    expect(first.extensions).toEqual(['PIPELINING', 'SIZE']);
    expect(second.extensions).toEqual(['CHUNKING', 'SIZE']);
    expect(second.size.limit_bytes).toBe(2000);
    expect(server.connectionCount).toBe(2);
  });
});

describe('STARTTLS refused', () => {
  const advertising = { capabilities: ['SIZE 1000', 'STARTTLS'], starttls: ['454 4.7.0 TLS not available due to local problem'] };

  test('auto: a 454 is recorded and the probe carries on in plaintext', async () => {
    const server = await serve(advertising);
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.tls).toBeNull();
    expect(result.starttls).toEqual({ mode: 'auto', offered: true, attempted: true, reply_code: 454 });
    expect(result.extensions).toEqual(['SIZE', 'STARTTLS']);
    expectWellBehavedClient(server);
  });

  test('required: a 454 fails the probe at starttls with the code', async () => {
    const server = await serve(advertising);
    const result = await probe(server, { starttls: 'required' });
    expect(result.error).toMatchObject({ stage: 'starttls', reason: 'rejected', detail: 'ERR_REPLY_REJECTED', code: 454 });
    // For people, the server's words.
    expect(result.error?.message).toContain('454 "4.7.0 TLS not available due to local problem"');
  });

  test('required and not advertised: starttls_not_offered, and QUIT is still sent', async () => {
    const server = await serve({ capabilities: ['SIZE 1000'] });
    const result = await probe(server, { starttls: 'required' });
    expect(result.error).toMatchObject({ stage: 'starttls', reason: 'starttls_not_offered' });
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'QUIT']);
  });

  test('never: STARTTLS is not sent even when offered', async () => {
    const server = await serve({ capabilities: ['STARTTLS'] });
    const result = await probe(server, { starttls: 'never' });
    expect(result.success).toBe(true);
    expect(result.starttls).toMatchObject({ offered: true, attempted: false });
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'QUIT']);
  });
});

describe('bounds', () => {
  test('a 1 MB line is a protocol error, refused long before it is stored', async () => {
    const server = await serve({ greeting: (s) => s.write(`220-${'x'.repeat(1024 * 1024)}\r\n`) });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'protocol_error', detail: 'ERR_LINE_TOO_LONG' });
    // The transcript never holds the line itself.
    expect(JSON.stringify(result.transcript).length).toBeLessThan(10_000);
  });

  test('a reply that never ends hits the line bound', async () => {
    const server = await serve({ greeting: (s) => s.write('220-more\r\n'.repeat(2000)) });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'protocol_error', detail: 'ERR_REPLY_TOO_MANY_LINES' });
  });

  test('a reply that drips forever times out within the deadline', async () => {
    const server = await serve({
      ehlo: async (s) => {
        while (!s.closed) {
          s.write('250-more\r\n');
          await s.sleep(50);
        }
      },
    });
    const result = await probe(server, { timeoutSeconds: 1 });
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'timeout', detail: 'ERR_REPLY_INCOMPLETE' });
    expect(result.timings_seconds.total).toBeLessThan(3);
  });

  test('the overall deadline bounds the sum of slow phases', async () => {
    const server = await serve({
      greeting: async (s) => {
        await s.sleep(400);
        s.reply(['220 slow']);
      },
      ehlo: async (s) => {
        await s.sleep(1000);
        s.reply(['250 slow']);
      },
    });
    const result = await probe(server, { timeoutSeconds: 0.8 });
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'timeout' });
    expect(result.timings_seconds.total).toBeLessThan(2.5);
  });

  test('the transcript is bounded in entries and line length', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `250-X${i} ${'p'.repeat(i === 5 ? 2000 : 1)}`);
    const server = await serve({ ehlo: [...lines, '250 LAST'] });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.transcript.length).toBeLessThanOrEqual(201);
    expect(result.transcript.some((e) => e.line.startsWith('transcript truncated'))).toBe(true);
    expect(Math.max(...result.transcript.map((e) => e.line.length))).toBeLessThan(600);
    expect(result.transcript.at(-3)?.line).toBe('QUIT');
  });
});

describe('the network', () => {
  test('a reset in the middle of a reply is reported as reset', async () => {
    const server = await serve({
      ehlo: async (s) => {
        s.write('250-mx.test\r\n250-PIPEL');
        await s.sleep(50);
        s.reset();
      },
    });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'reset', code: null });
  });

  test('connection refused on a port that was just closed', async () => {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const result = await probe({ port });
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ stage: 'connect', reason: 'refused', code: null });
    expect(result.address).toBeNull();
    expect(result.timings_seconds.connect).toBeDefined();
  });

  test('a name that cannot resolve fails at connect as dns', async () => {
    // RFC 6761 §6.4: .invalid never resolves, with or without network access.
    const result = await probeTarget({ target: 'mx.nonexistent.invalid:25', host: 'mx.nonexistent.invalid', port: 25 }, probeOptions());
    expect(result.error).toMatchObject({ stage: 'connect', reason: 'dns' });
  });

  test('a server that never closes after 221 is closed by us; the probe succeeds', async () => {
    const server = await serve({ closeAfterQuit: false });
    const result = await probe(server, { timeoutSeconds: 5 });
    expect(result.success).toBe(true);
    expect(result.reply_codes.quit).toBe(221);
    expect(result.timings_seconds.total).toBeLessThan(3);
    expectWellBehavedClient(server);
  });

  test('a server that never answers QUIT does not fail the probe', async () => {
    const server = await serve({ quit: () => {} });
    const result = await probe(server, { timeoutSeconds: 10 });
    expect(result.success).toBe(true);
    expect(result.reply_codes.quit).toBeUndefined();
    expect(result.timings_seconds.total).toBeLessThan(5);
  });

  test('records the address, timings of every phase that ran, and a transcript', async () => {
    const server = await serve();
    const result = await probe(server);
    expect(result.address).toBe('127.0.0.1');
    expect(Object.keys(result.timings_seconds).sort()).toEqual(['connect', 'ehlo', 'greeting', 'quit', 'total']);
    expect(result.transcript.filter((e) => e.dir === 'C').map((e) => e.line)).toEqual(['EHLO probe.example.net', 'QUIT']);
    const times = result.transcript.map((e) => e.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(result.started_at).toBeGreaterThan(1.6e9);
  });
});
