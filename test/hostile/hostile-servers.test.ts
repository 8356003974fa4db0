// Hostile and broken SMTP servers over real sockets on 127.0.0.1: each case names the stage and
// reason the probe must report, and the time it may take (the probe's own deadline plus slack).
// Cases already covered in test/probe/ (a silent server, a reply that drips forever, a 1 MB line,
// a reply sent before EHLO, a reset mid-reply, injection after STARTTLS) are not repeated here;
// docs/security.md lists both.
import type net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeExposition } from '../../src/metrics/probe-exposition.js';
import { createExporterRegistry } from '../../src/metrics/exporter-registry.js';
import { MAX_EXTENSIONS_PER_SIDE } from '../../src/metrics/label-values.js';
import { probeLog } from '../../src/http/probe-log.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { toProbeJson, type ProbeResult, type ProbeResultJson } from '../../src/probe/probe-result.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { TargetStates } from '../../src/state/target-states.js';
import { MAX_EHLO_EVENTS_PER_PROBE } from '../../src/state/change-detection.js';
import { MAX_KNOWN_EXTENSIONS_PER_SIDE } from '../../src/state/known-extensions.js';
import { GOLDEN_STATUS } from '../fixtures/metrics/states.js';
import { find, parseExposition } from '../metrics/parse-exposition.js';
import { probeOptions, type ProbeOptionChanges } from '../support/probe-options.js';
import { ehloReply, onLines, smtp, startRawServer, type RawServer } from './raw-smtp-server.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: (socket: net.Socket) => void): Promise<RawServer> {
  const server = await startRawServer(script);
  servers.push(server);
  return server;
}


async function probe(server: RawServer, over: ProbeOptionChanges = {}): Promise<ProbeResultJson> {
  const options = probeOptions({ timeoutSeconds: 2, ...over });
  const result = await probeTarget({ target: `127.0.0.1:${server.port}`, host: '127.0.0.1', port: server.port }, options);
  // Every case: the probe ends inside its deadline (plus the close grace), whatever the server does.
  expect(result.timings_seconds.total).toBeLessThan(options.timeoutSeconds + 1);
  return toProbeJson(result);
}

/** Invariants of any result, however hostile the server: facts within the grammar and bounds. */
function expectSaneFacts(result: ProbeResult): void {
  for (const facts of [result.ehlo_before_tls, result.ehlo_after_tls]) {
    if (facts === null) continue;
    for (const kw of facts.extensions) expect(kw).toMatch(/^[A-Z0-9][A-Z0-9-]{0,63}$/);
    const size = facts.size.limit_bytes;
    if (size !== null) expect(Number.isSafeInteger(size) && size > 0).toBe(true);
  }
  expect(JSON.stringify(result.transcript).length).toBeLessThan(150_000);
}

async function exposition(result: ProbeResult): Promise<string> {
  return probeExposition(result, 'hostile');
}

describe('slow and endless servers', () => {
  test('a valid greeting trickled a byte at a time past the deadline: greeting/timeout', async () => {
    const greeting = Buffer.from('220 mx.hostile.test ESMTP a perfectly valid greeting\r\n');
    const server = await serve((socket) => {
      let i = 0;
      const timer = setInterval(() => (i < greeting.length && !socket.destroyed ? socket.write(greeting.subarray(i, ++i)) : clearInterval(timer)), 60);
      socket.on('close', () => clearInterval(timer));
    });
    const result = await probe(server, { timeoutSeconds: 1 });
    expect(result.error).toMatchObject({ stage: 'greeting', reason: 'timeout', detail: 'ERR_REPLY_INCOMPLETE', code: null });
  });

  test('the same trickle that finishes inside the deadline is a success: slowness alone is not hostile', async () => {
    const greeting = Buffer.from('220 mx.slow.test ESMTP\r\n');
    const server = await serve((socket) => {
      let i = 0;
      const timer = setInterval(() => {
        if (i < greeting.length && !socket.destroyed) return void socket.write(greeting.subarray(i, ++i));
        clearInterval(timer);
        smtp((s) => s.write(ehloReply(['SIZE 1000'])), '')(socket);
      }, 10);
      socket.on('close', () => clearInterval(timer));
    });
    const result = await probe(server, { timeoutSeconds: 3 });
    expect(result.success).toBe(true);
    expect(result.size.limit_bytes).toBe(1000);
  });

  test('endless 250- continuation lines as fast as the socket takes them: ehlo/protocol_error at the line bound', async () => {
    let closedByClient = false;
    const server = await serve(
      smtp((socket) => {
        const line = Buffer.from('250-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n'.repeat(100));
        const pump = (): void => {
          while (!socket.destroyed && socket.writable && socket.write(line));
          if (!socket.destroyed && socket.writable) socket.once('drain', pump);
        };
        socket.on('close', () => (closedByClient = true));
        pump();
      }),
    );
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'protocol_error', code: null, detail: 'ERR_REPLY_TOO_MANY_LINES' });
    await expect.poll(() => closedByClient, { timeout: 2000 }).toBe(true);
  });

  test('a 10 MB EHLO reply of well-formed lines: ehlo/protocol_error at the reply size bound', async () => {
    const line = `250-X${'A'.repeat(1000)}\r\n`;
    const reply = Buffer.from(line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
    expect(reply.length).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    const server = await serve(smtp((socket) => socket.write(reply)));
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'protocol_error', detail: 'ERR_REPLY_TOO_LARGE' });
    expect(JSON.stringify(result).length).toBeLessThan(100_000);
  });

  test('a 10 MB EHLO reply that is one line: ehlo/protocol_error at the line bound', async () => {
    const server = await serve(smtp((socket) => socket.write(Buffer.alloc(10 * 1024 * 1024, 0x41).fill('250-', 0, 4))));
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'protocol_error', detail: 'ERR_LINE_TOO_LONG' });
    expect(JSON.stringify(result).length).toBeLessThan(100_000);
  });
});

describe('bytes that are not clean text', () => {
  test('NUL bytes and invalid UTF-8 in the greeting and EHLO: the probe succeeds, facts stay in the grammar, outputs stay printable', async () => {
    const greeting = Buffer.concat([Buffer.from('220 mx\x00.hostile.test '), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(' ESMTP\x1b[31m\r\n')]);
    const ehlo = Buffer.concat([
      Buffer.from('250-mx.hostile.test\r\n250-PIPE\x00LINING\r\n250-X-'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('BAD\r\n250-SIZE 1000\x00\r\n250-AUTH PLAIN '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\r\n250 8BITMIME\r\n'),
    ]);
    const server = await serve(smtp((socket) => socket.write(ehlo), greeting));
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.extensions).toContain('8BITMIME');
    expect(result.extensions).toContain('AUTH');
    expect(result.extensions.some((k) => k.includes('\0'))).toBe(false);
    expectSaneFacts(result);
    expect(result.banner?.lines[0]).not.toContain('\0');

    const text = await exposition(result);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(find(parseExposition(text), 'smtp_probe_success')[0]?.value).toBe(1);
    const debug = probeLog(result, 'hostile', text);
    expect(debug).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(debug).toContain('\\x1b[31m');
  });
});

describe('replies that break the protocol', () => {
  test.each([
    ['greeting', (s: net.Socket) => s.write('220-mx.hostile.test hello\r\n554 goodbye\r\n'), 'greeting'],
    ['EHLO', smtp((s) => s.write('250-mx.hostile.test\r\n251-SIZE 1000\r\n250 8BITMIME\r\n')), 'ehlo'],
  ] as const)('a reply code that changes in the middle of the %s: protocol_error, ERR_REPLY_CODE_CHANGED', async (_what, script, stage) => {
    const server = await serve(script);
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage, reason: 'protocol_error', code: null, detail: 'ERR_REPLY_CODE_CHANGED' });
  });

  test('a second reply sent unasked after EHLO: STARTTLS is not sent on a desynchronised channel (starttls/protocol_error)', async () => {
    const commands: string[] = [];
    const server = await serve((socket) => {
      socket.write('220 mx.hostile.test ESMTP\r\n');
      onLines(socket, (line) => {
        commands.push(line);
        if (line.startsWith('EHLO')) socket.write(`${ehloReply(['SIZE 1000', 'STARTTLS'])}250 2.0.0 and one more for free\r\n`);
      });
    });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'starttls', reason: 'protocol_error', detail: 'ERR_DATA_BEFORE_COMMAND', code: null });
    expect(result.starttls.attempted).toBe(true);
    expect(commands).toEqual(['EHLO probe.example.net']);
  });

  test('a second reply unasked after an EHLO without STARTTLS: the facts of the answered EHLO stand, QUIT is not sent into it', async () => {
    const commands: string[] = [];
    const server = await serve((socket) => {
      socket.write('220 mx.hostile.test ESMTP\r\n');
      onLines(socket, (line) => {
        commands.push(line);
        if (line.startsWith('EHLO')) socket.write(`${ehloReply(['SIZE 1000'])}250 unasked\r\n`);
      });
    });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.size.limit_bytes).toBe(1000);
    expect(commands).toEqual(['EHLO probe.example.net']);
    expect(result.transcript.some((e) => /server sent data before our command/.test(e.line))).toBe(true);
  });

  test('a server that half-closes right after its greeting: ehlo/closed', async () => {
    const server = await serve((socket) => socket.end('220 mx.hostile.test ESMTP\r\n'));
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'closed', code: null });
    expect(result.banner?.code).toBe(220);
  });
});

describe('thousands of extension keywords', () => {
  const keywords = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `X-${prefix}${i}`);

  test(`499 distinct keywords (as many as a reply may have lines): success; ${MAX_EXTENSIONS_PER_SIDE} labelled, the rest counted in smtp_extensions_unlabelled`, async () => {
    const server = await serve(smtp((socket) => socket.write(ehloReply(keywords(499, 'K')))));
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.extensions).toHaveLength(499);
    const parsed = parseExposition(await exposition(result));
    expect(find(parsed, 'smtp_extension_advertised')).toHaveLength(MAX_EXTENSIONS_PER_SIDE);
    expect(find(parsed, 'smtp_extensions_unlabelled', { tls: 'false' })[0]?.value).toBe(499 - MAX_EXTENSIONS_PER_SIDE);
  });

  test('5,000 keywords in one reply: ehlo/protocol_error at the line bound, and no extension series at all', async () => {
    const server = await serve(smtp((socket) => socket.write(ehloReply(keywords(5000, 'K')))));
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo', reason: 'protocol_error', detail: 'ERR_REPLY_TOO_MANY_LINES' });
    expect(find(parseExposition(await exposition(result)), 'smtp_extension_advertised')).toHaveLength(0);
  });

  test('a server that invents 499 new keywords every probe: /metrics keeps the cap per side, change events per probe are capped', async () => {
    let round = 0;
    const server = await serve(smtp((socket) => socket.write(ehloReply(keywords(499, `R${round}K`)))));
    const store = SqliteStateStore.open(':memory:');
    let now = 1_800_000_000;
    const states = new TargetStates(store, { now: () => now, retentionDays: 30 });
    const registry = createExporterRegistry({ targets: () => states.snapshot(), targetConfig: () => ({}), backoffs: () => new Map(), status: () => GOLDEN_STATUS });
    try {
      for (round = 0; round < 5; round++) {
        now += 60;
        const result = await probe(server);
        expect(result.success).toBe(true);
        const { events, storeError } = states.record('hostile', 'g', result);
        expect(storeError).toBeNull();
        // 499 keywords vanish and 499 appear each round after the first: a bounded handful of events.
        expect(events.length).toBe(round === 0 ? 0 : MAX_EHLO_EVENTS_PER_PROBE);
        const parsed = parseExposition(await registry.metrics());
        expect(find(parsed, 'smtp_extension_advertised', { target: 'hostile' }).length).toBeLessThanOrEqual(MAX_EXTENSIONS_PER_SIDE);
        expect(find(parsed, 'smtp_extensions_unlabelled', { target: 'hostile', tls: 'false' })[0]?.value).toBe(499 - MAX_EXTENSIONS_PER_SIDE);
      }
      expect(states.changes('hostile', 10_000)).toHaveLength(4 * MAX_EHLO_EVENTS_PER_PROBE);
      const known = states.snapshot()[0]?.known_extensions.plain ?? {};
      expect(Object.keys(known).length).toBeLessThanOrEqual(MAX_KNOWN_EXTENSIONS_PER_SIDE);
    } finally {
      store.close();
    }
  });
});
