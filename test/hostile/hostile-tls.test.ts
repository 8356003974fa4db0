// TLS that goes wrong after STARTTLS, over real sockets: the session dies in the middle of the EHLO
// inside TLS (TCP close, reset, an alert or garbage on the record layer, close_notify), or the
// server asks for TLS 1.2 renegotiation. Each case names its stage and reason; every probe ends
// inside its deadline.
import type net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeTarget } from '../../src/probe/probe-target.js';
import type { ProbeOptions } from '../../src/probe/probe-options.js';
import { toProbeJson, type ProbeResult, type ProbeResultJson } from '../../src/probe/probe-result.js';
import { createCa } from '../fakes/certificates.js';
import { probeOptions } from '../support/probe-options.js';
import { startTlsServer, type RawServer } from './raw-smtp-server.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ca = createCa();
const leaf = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });

async function probe(server: RawServer, over: Partial<ProbeOptions> = {}): Promise<ProbeResultJson> {
  const options = probeOptions({ timeoutSeconds: 2, tls: { serverName: 'localhost', ca: ca.cert, failOnVerifyError: true }, ...over });
  const result = await probeTarget({ target: `127.0.0.1:${server.port}`, host: '127.0.0.1', port: server.port }, options);
  expect(result.timings_seconds.total).toBeLessThan(options.timeoutSeconds + 1);
  return toProbeJson(result);
}

describe('TLS that goes wrong after STARTTLS', () => {
  const partial = (secure: { write(s: string): unknown }, line: string, then: () => void) => {
    if (!line.startsWith('EHLO')) return;
    secure.write('250-mx.hostile.test\r\n250-PIPEL');
    setTimeout(then, 50);
  };

  test.each([
    ['a TCP close without close_notify', 'closed', (raw: net.Socket) => raw.destroy()],
    ['a TCP reset', 'reset', (raw: net.Socket) => raw.resetAndDestroy()],
    ['a plaintext TLS alert record (fatal internal_error)', 'tls_error', (raw: net.Socket) => raw.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50]))],
    ['plaintext garbage on the TLS channel', 'tls_error', (raw: net.Socket) => raw.end('550 not a TLS record\r\n')],
  ] as const)('%s in the middle of the EHLO inside TLS: ehlo_tls/%s', async (_what, reason, abort) => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const server = await startTlsServer({ key: leaf.key, cert: leaf.cert, maxVersion }, (secure, line, raw) => partial(secure, line, () => abort(raw)));
      servers.push(server);
      const result = await probe(server);
      expect(result.tls?.version, maxVersion).toBe(maxVersion);
      expect(result.error, maxVersion).toMatchObject({ stage: 'ehlo_tls', reason, code: null });
      if (reason === 'tls_error') expect(result.error?.detail, maxVersion).toBe('ERR_TLS_RECORD');
      // The message is for people: OpenSSL's reason and code, on one line, without its source paths.
      if (reason === 'tls_error') expect(result.error?.message).toMatch(/^ehlo_tls: TLS error: [a-z ]+ \(ERR_SSL_[A-Z_]+\)$/);
      // The plaintext facts are void after STARTTLS; nothing half-read inside TLS became a fact.
      expect(result.ehlo_after_tls).toBeNull();
      expect(result.extensions).toEqual([]);
    }
  });

  test('close_notify in the middle of the EHLO inside TLS: ehlo_tls/closed', async () => {
    const server = await startTlsServer({ key: leaf.key, cert: leaf.cert }, (secure, line) => partial(secure, line, () => secure.end()));
    servers.push(server);
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'ehlo_tls', reason: 'closed', detail: 'ERR_SERVER_CLOSED_MID_REPLY' });
  });

  test('TLS 1.2 renegotiation requested by the server in the middle of the EHLO: transparent, the probe succeeds', async () => {
    let renegotiated: boolean | null = null;
    const server = await startTlsServer({ key: leaf.key, cert: leaf.cert, maxVersion: 'TLSv1.2' }, (secure, line) => {
      if (line.startsWith('EHLO')) {
        secure.write('250-mx.hostile.test\r\n250-PIPELINING\r\n');
        secure.renegotiate({}, (err) => {
          renegotiated = err == null;
          secure.write('250 SIZE 2000\r\n');
        });
      } else if (line === 'QUIT') secure.end('221 bye\r\n');
    });
    servers.push(server);
    const result = await probe(server);
    expect(renegotiated).toBe(true);
    expect(result.success).toBe(true);
    expect(result.extensions).toEqual(['PIPELINING', 'SIZE']);
    expect(result.size.limit_bytes).toBe(2000);
  });

  test('a renegotiation storm that never finishes the reply: ehlo_tls/timeout within the deadline', async () => {
    let renegotiations = 0;
    const server = await startTlsServer({ key: leaf.key, cert: leaf.cert, maxVersion: 'TLSv1.2' }, (secure, line) => {
      if (!line.startsWith('EHLO')) return;
      secure.write('250-mx.hostile.test\r\n');
      const again = (): void => {
        if (secure.destroyed) return;
        secure.renegotiate({}, (err) => {
          if (err) return;
          renegotiations++;
          setImmediate(again);
        });
      };
      again();
    });
    servers.push(server);
    const result = await probe(server, { timeoutSeconds: 1 });
    expect(result.error).toMatchObject({ stage: 'ehlo_tls', reason: 'timeout' });
    expect(renegotiations).toBeGreaterThan(1);
  });
});
