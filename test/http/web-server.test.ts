// The HTTP surface with a web config, over real sockets: HTTPS with the test CA (verification on),
// client certificate policies, basic auth with right and wrong passwords, security headers, and
// the request timeout against a client that never finishes its request.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { WebConfig } from '../../src/http/web-config.js';
import { BasicAuth } from '../../src/http/web-config-auth.js';
import type { ClientAuthType, WebTlsSettings } from '../../src/http/web-config-tls.js';
import { createCa, createSelfSigned, type KeyAndCert, type TestCa } from '../fakes/certificates.js';
import { issueClientCertificate } from './client-certificate.js';
import { fakeDeps } from './fake-deps.js';

let ca: TestCa;
let server: KeyAndCert;
let client: KeyAndCert;
let strangerClient: KeyAndCert;
const PASSWORD = 'correct horse battery staple';
let hash: string;
beforeAll(() => {
  ca = createCa();
  server = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });
  client = issueClientCertificate(ca, 'prometheus');
  strangerClient = issueClientCertificate(createCa({ commonName: 'another CA' }), 'stranger');
  // Cost 4 keeps the suite fast; the cost is part of the hash, so nothing else changes.
  hash = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$/, '$2y$'); // htpasswd writes $2y$
});

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function tlsSettings(over: Partial<WebTlsSettings> = {}): WebTlsSettings {
  return { cert: Buffer.from(server.cert), key: Buffer.from(server.key), clientCa: null, clientAuthType: 'NoClientCert', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ...over };
}

async function listen(web: Partial<WebConfig>, over: Parameters<typeof fakeDeps>[0] = {}): Promise<number> {
  app = buildServer(fakeDeps({ web: { file: 'web.yml', tls: null, basicAuthUsers: new Map(), headers: {}, ...web }, ...over }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as net.AddressInfo).port;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Call {
  tls?: boolean;
  auth?: string;
  ca?: string | null;
  cert?: KeyAndCert;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** One GET, bounded; resolves with the answer or rejects with the client's error (e.g. a handshake failure). */
function get(port: number, path: string, call: Call = {}): Promise<Answer> {
  const useTls = call.tls ?? true;
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port,
      path,
      servername: 'localhost',
      headers: call.auth === undefined ? {} : { authorization: call.auth },
      timeout: 5000,
      agent: false,
      ...(useTls ? { ca: call.ca === null ? undefined : (call.ca ?? ca.cert), cert: call.cert?.cert, key: call.cert?.key, maxVersion: call.maxVersion } : {}),
    };
    const req = (useTls ? https : http).get(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('HTTPS', () => {
  it('serves every endpoint over TLS to a client that verifies the certificate with the test CA', async () => {
    const port = await listen({ tls: tlsSettings() });
    for (const path of ['/-/healthy', '/metrics', '/api/v1/targets', '/']) {
      expect((await get(port, path)).status).toBe(200);
    }
  });

  it('a client without the CA refuses the certificate; plain HTTP gets no HTTP answer', async () => {
    const port = await listen({ tls: tlsSettings() });
    await expect(get(port, '/-/healthy', { ca: null })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(get(port, '/-/healthy', { tls: false })).rejects.toThrow();
  });

  it('min_version TLS13 refuses a TLS 1.2 client', async () => {
    const port = await listen({ tls: tlsSettings({ minVersion: 'TLSv1.3' }) });
    await expect(get(port, '/-/healthy', { maxVersion: 'TLSv1.2' })).rejects.toThrow(/version|alert/i);
    expect((await get(port, '/-/healthy')).status).toBe(200);
  });

  const policies: [ClientAuthType, { none: boolean; valid: boolean; foreign: boolean }][] = [
    ['NoClientCert', { none: true, valid: true, foreign: true }],
    ['RequestClientCert', { none: true, valid: true, foreign: true }],
    ['RequireAnyClientCert', { none: false, valid: true, foreign: true }],
    ['VerifyClientCertIfGiven', { none: true, valid: true, foreign: false }],
    ['RequireAndVerifyClientCert', { none: false, valid: true, foreign: false }],
  ];
  it.each(policies)('client_auth_type %s: no certificate, one from the client CA, one from another CA', async (type, expected) => {
    const verifies = type === 'VerifyClientCertIfGiven' || type === 'RequireAndVerifyClientCert';
    const port = await listen({ tls: tlsSettings({ clientAuthType: type, clientCa: verifies ? Buffer.from(ca.cert) : null }) });
    const served = (call: Call) => get(port, '/-/healthy', call).then((a) => a.status === 200, () => false);
    expect({
      none: await served({}),
      valid: await served({ cert: client }),
      foreign: await served({ cert: strangerClient }),
    }).toEqual(expected);
  });

  it('adds the configured security headers to every answer, errors included', async () => {
    const port = await listen({ tls: tlsSettings(), headers: { 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' } });
    for (const path of ['/-/healthy', '/nope']) {
      const answer = await get(port, path);
      expect(answer.headers['x-frame-options']).toBe('deny');
      expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
    }
  });
});

describe('basic auth', () => {
  it('answers 401 with WWW-Authenticate to no, malformed, wrong and unknown credentials, on every route', async () => {
    const port = await listen({ tls: tlsSettings(), basicAuthUsers: new Map([['prometheus', hash]]) });
    const refused = [
      undefined,
      'Bearer abc',
      'Basic !!!',
      `Basic ${Buffer.from('no colon').toString('base64')}`,
      basic('prometheus', 'wrong'),
      basic('prometheus', `${PASSWORD} `),
      basic('Prometheus', PASSWORD),
      basic('nobody', PASSWORD),
    ];
    for (const auth of refused) {
      for (const path of ['/metrics', '/-/healthy', '/api/v1/targets', '/probe?target=mx.example.com', '/nope']) {
        const answer = await get(port, path, { auth });
        expect(answer.status, `${path} with ${String(auth)}`).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Basic realm="ehlo-exporter", charset="UTF-8"');
        expect(answer.headers['x-error-code']).toBe('ERR_UNAUTHORIZED');
        expect(answer.body).not.toContain('smtp_');
      }
    }
  });

  it('serves the right password (twice: the second from the cache) over TLS', async () => {
    const port = await listen({ tls: tlsSettings(), basicAuthUsers: new Map([['prometheus', hash]]) });
    for (let i = 0; i < 2; i++) {
      const answer = await get(port, '/metrics', { auth: basic('prometheus', PASSWORD) });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('smtp_probe_success');
    }
    // A route that refuses for its own reasons still needs the password first.
    const probe = await get(port, '/probe?target=mx.example.com', { auth: basic('prometheus', PASSWORD) });
    expect(probe.status).toBe(400);
  });

  it('works without TLS too (as the toolkit allows), and /-/reload needs the password like the rest', async () => {
    const port = await listen({ basicAuthUsers: new Map([['prometheus', hash]]) });
    expect((await get(port, '/-/healthy', { tls: false })).status).toBe(401);
    expect((await get(port, '/-/healthy', { tls: false, auth: basic('prometheus', PASSWORD) })).status).toBe(200);
    const reload = await app!.inject({ method: 'POST', url: '/-/reload' });
    expect(reload.statusCode).toBe(401);
  });
});

describe('BasicAuth', () => {
  it('caches verified credentials only, bounded, and keyed on the hash so a new hash is checked again', async () => {
    const users = new Map([['a', hash], ['b', hash], ['c', hash]]);
    const auth = new BasicAuth(users, { cacheSize: 2 });
    expect(await auth.check(basic('a', 'wrong'))).toBe('denied');
    expect(auth.cachedEntries).toBe(0);
    for (const user of ['a', 'b', 'c', 'a']) expect(await auth.check(basic(user, PASSWORD))).toBe('ok');
    expect(auth.cachedEntries).toBe(2);

    const changed = new Map([['a', bcrypt.hashSync('new password', 4)]]);
    const after = new BasicAuth(changed);
    expect(await after.check(basic('a', PASSWORD))).toBe('denied');
    expect(await after.check(basic('a', 'new password'))).toBe('ok');
  });

  it('refuses at once beyond the bound of waiting password checks, and recovers', async () => {
    const auth = new BasicAuth(new Map([['a', hash]]), { maxPending: 2 });
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => auth.check(basic('a', `wrong ${i}`))));
    expect(outcomes.filter((o) => o === 'busy').length).toBe(4);
    expect(outcomes.filter((o) => o === 'denied').length).toBe(2);
    expect(await auth.check(basic('a', PASSWORD))).toBe('ok');
  });
});

describe('request limits over a socket', () => {
  it('a client that never finishes its request headers is cut off after the request timeout', async () => {
    const port = await listen({}, { requestTimeoutMs: 500 });
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      let data = '';
      const timer = setTimeout(() => reject(new Error('still open after 10 s')), 10_000);
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(data);
      });
      socket.on('error', () => {});
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('malformed query strings and parameters are 400 with a message, never 500', async () => {
    const port = await listen({});
    for (const path of ['/probe?target=%E0%A4%A', '/probe?target=a&target=b', '/probe?target=mx%00.example.com', '/probe?debug=maybe&target=x', '/api/v1/targets/x/changes?limit=-1', '/api/v1/targets/%ZZ/changes']) {
      const answer = await get(port, path, { tls: false });
      expect(answer.status, path).toBe(400);
      expect(answer.body.length, path).toBeGreaterThan(5);
    }
  });
});
