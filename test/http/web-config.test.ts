// --web.config.file parsing: each mistake paired with the exact text a person sees (file, line,
// path), paths relative to the file, and secrets (hashes, key material) never in a message.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/config/config-error.js';
import { loadWebConfig, WebConfigError } from '../../src/http/web-config.js';
import { createCa, type TestCa } from '../fakes/certificates.js';
import { useTempDir } from '../state/temp-dir.js';

const tempDir = useTempDir();
let ca: TestCa;
let leaf: { key: string; cert: string };
let otherKey: string;
beforeAll(() => {
  ca = createCa();
  leaf = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });
  otherKey = ca.issue({ commonName: 'other' }).key;
});

/** A directory with cert.pem, key.pem, other-key.pem (not cert.pem's) and ca.pem, and web.yml holding `text`. */
function webFile(text: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'tls', 'cert.pem'), leaf.cert);
  writeFileSync(join(dir, 'tls', 'key.pem'), leaf.key);
  writeFileSync(join(dir, 'tls', 'other-key.pem'), otherKey);
  writeFileSync(join(dir, 'tls', 'ca.pem'), ca.cert);
  const file = join(dir, 'web.yml');
  writeFileSync(file, text);
  return file;
}

function failure(file: string): { code: string; lines: string[]; message: string } {
  try {
    loadWebConfig(file);
  } catch (e) {
    if (!(e instanceof WebConfigError)) throw e;
    return { code: e.code, lines: e.problems.map(formatProblem), message: e.message };
  }
  throw new Error('expected the web config to be rejected');
}

const TLS = 'tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: tls/key.pem\n';
const HASH = '$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG';

describe('valid web configs', () => {
  it('an empty file is plain HTTP without authentication, as in the toolkit', () => {
    const config = loadWebConfig(webFile('# nothing yet\n'));
    expect(config.tls).toBeNull();
    expect(config.basicAuthUsers.size).toBe(0);
    expect(config.headers).toEqual({});
  });

  it('reads files relative to the web config, with the toolkit defaults (TLS 1.2–1.3, no client certificates)', () => {
    const config = loadWebConfig(webFile(`${TLS}basic_auth_users:\n  prometheus: ${HASH}\n`));
    expect(config.tls).toMatchObject({ clientAuthType: 'NoClientCert', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', clientCa: null });
    expect(config.tls?.cert.toString()).toBe(leaf.cert);
    expect([...config.basicAuthUsers]).toEqual([['prometheus', HASH]]);
  });

  it('takes inline PEM, client certificate policies, versions and security headers', () => {
    const indent = (pem: string) => pem.trim().split('\n').map((l) => `    ${l}`).join('\n');
    const text = [
      'tls_server_config:',
      `  cert: |\n${indent(leaf.cert)}`,
      `  key: |\n${indent(leaf.key)}`,
      '  client_ca_file: tls/ca.pem',
      '  client_auth_type: RequireAndVerifyClientCert',
      '  min_version: TLS13',
      'http_server_config:',
      '  http2: false',
      '  headers:',
      '    X-Frame-Options: deny',
      '    X-Content-Type-Options: nosniff',
      '    Content-Security-Policy:',
      '    X-XSS-Protection: ""',
      '',
    ].join('\n');
    const config = loadWebConfig(webFile(text));
    expect(config.tls).toMatchObject({ clientAuthType: 'RequireAndVerifyClientCert', minVersion: 'TLSv1.3' });
    expect(config.tls?.clientCa?.toString()).toBe(ca.cert);
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff' });
  });
});

describe('every mistake has its exact message', () => {
  const cases: { name: string; text: string; lines: (file: string) => string[]; code?: string }[] = [
    {
      name: 'a misspelt section',
      text: 'tls_server_confg:\n  cert_file: tls/cert.pem\n',
      lines: (f) => [`${f}:1: unknown key "tls_server_confg"; did you mean "tls_server_config"? Allowed keys: tls_server_config, http_server_config, basic_auth_users`],
    },
    {
      name: 'a toolkit section we do not implement',
      text: 'rate_limit:\n  burst: 1\n',
      lines: (f) => [`${f}:1: "rate_limit" is not allowed here: not supported by ehlo-exporter; /probe has its own limits (probe_endpoint in the main config) and /metrics a bound on concurrent scrapes`],
    },
    {
      name: 'Go cipher suite names',
      text: `${TLS}  cipher_suites: [TLS_AES_128_GCM_SHA256]\n`,
      lines: (f) => [`${f}:4: tls_server_config: "cipher_suites" is not allowed here: not supported by ehlo-exporter: its values are Go's crypto/tls names, and Node's defaults (OpenSSL's) apply`],
    },
    {
      name: 'a certificate without its key',
      text: 'tls_server_config:\n  cert_file: tls/cert.pem\n',
      lines: (f) => [`${f}:2: tls_server_config: missing key_file (or key): TLS needs a certificate and its key`],
    },
    {
      name: 'a key file that does not exist, named by its resolved path',
      text: 'tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: tls/nope.pem\n',
      lines: (f) => [`${f}:3: tls_server_config.key_file: cannot read ${join(f, '..', 'tls', 'nope.pem')}: no such file`],
    },
    {
      name: 'a key file that is a directory',
      text: 'tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: tls\n',
      lines: (f) => [`${f}:3: tls_server_config.key_file: cannot read ${join(f, '..', 'tls')}: is a directory`],
    },
    {
      name: 'inline and file both',
      text: 'tls_server_config:\n  cert_file: tls/cert.pem\n  cert: abc\n  key_file: tls/key.pem\n',
      lines: (f) => [`${f}:2: tls_server_config.cert_file: give either cert or cert_file, not both`],
    },
    {
      name: 'an unknown client auth type',
      text: `${TLS}  client_auth_type: Always\n`,
      lines: (f) => [`${f}:4: tls_server_config.client_auth_type: must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert; got "Always"`],
    },
    {
      name: 'verification without a client CA',
      text: `${TLS}  client_auth_type: RequireAndVerifyClientCert\n`,
      lines: (f) => [`${f}:4: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs client_ca_file (the CA that signs client certificates)`],
    },
    {
      name: 'a client CA file that holds no certificate (a key)',
      text: `${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: tls/key.pem\n`,
      lines: (f) => [`${f}:5: tls_server_config.client_ca_file: the client CA holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); a CA file must hold at least one`],
    },
    {
      name: 'a client CA that nothing uses',
      text: `${TLS}  client_ca_file: tls/ca.pem\n`,
      lines: (f) => [`${f}:2: tls_server_config: client_ca_file is set but client_auth_type NoClientCert never verifies client certificates; use VerifyClientCertIfGiven or RequireAndVerifyClientCert`],
    },
    {
      name: 'versions the wrong way round',
      text: `${TLS}  min_version: TLS13\n  max_version: TLS12\n`,
      lines: (f) => [`${f}:5: tls_server_config: min_version TLS13 is above max_version TLS12`],
    },
    {
      name: "a key that is not the certificate's",
      text: 'tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: tls/other-key.pem\n',
      lines: (f) => [`${f}:2: tls_server_config: the certificate, key or client CA cannot be used: error:05800074:x509 certificate routines::key values mismatch`],
    },
    {
      name: 'HTTP/2 and a header value the toolkit refuses',
      text: 'http_server_config:\n  http2: true\n  headers:\n    X-Frame-Options: allow\n',
      lines: (f) => [
        `${f}:2: http_server_config.http2: HTTP/2 is not supported by ehlo-exporter (it serves HTTP/1.1); set false or remove the key`,
        `${f}:4: http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin; got "allow"`,
      ],
    },
    {
      name: 'bad users: a short hash, a colon in a name, a number as a name',
      text: `basic_auth_users:\n  alice: $2y$10$tooshort\n  "bo:b": ${HASH}\n  42: ${HASH}\n`,
      lines: (f) => [
        `${f}:2: basic_auth_users.alice: not a bcrypt hash (expected e.g. "$2y$10$" and 53 more characters, as \`htpasswd -nBC 10 "" | tr -d ':\\n'\` prints); the value is not shown`,
        `${f}:3: basic_auth_users: user names must be non-empty strings without ":" (RFC 7617)`,
        `${f}:4: basic_auth_users: user names must be non-empty strings without ":" (RFC 7617)`,
      ],
    },
    {
      name: 'users as a list',
      text: 'basic_auth_users: [alice]\n',
      lines: (f) => [`${f}:1: basic_auth_users: expected a mapping of user names to bcrypt hashes`],
    },
    {
      name: 'a user given twice (YAML)',
      text: `basic_auth_users:\n  alice: ${HASH}\n  alice: ${HASH}\n`,
      code: 'ERR_WEB_CONFIG_YAML',
      lines: (f) => [`${f}:3: YAML syntax error: a key appears twice in one mapping`],
    },
    {
      name: 'a list at the top',
      text: '- tls_server_config\n',
      lines: (f) => [`${f}:1: the top level must be a mapping with tls_server_config, http_server_config or basic_auth_users`],
    },
  ];
  it.each(cases)('$name', ({ text, lines, code }) => {
    const file = webFile(text);
    const got = failure(file);
    expect(got.code).toBe(code ?? 'ERR_WEB_CONFIG_INVALID');
    expect(got.lines).toEqual(lines(file));
  });

  it('a missing file and a directory are unreadable', () => {
    const dir = tempDir();
    expect(failure(join(dir, 'missing.yml'))).toMatchObject({ code: 'ERR_WEB_CONFIG_UNREADABLE', lines: [`${join(dir, 'missing.yml')}: cannot read web config file: no such file`] });
    expect(failure(dir)).toMatchObject({ code: 'ERR_WEB_CONFIG_UNREADABLE', lines: [`${dir}: cannot read web config file: is a directory`] });
  });

  it('never shows a hash or key material, even when they are what is wrong', () => {
    const badHash = '$2y$10$SECRETSECRETSECRETSECRETSECRETSECRET';
    const keyBody = leaf.key.split('\n')[1]!;
    const indent = (pem: string) => pem.trim().split('\n').map((l) => `    ${l}`).join('\n');
    const texts = [
      `basic_auth_users:\n  alice: "${badHash}"\n`,
      `tls_server_config:\n  cert_file: tls/key.pem\n  key_file: tls/key.pem\n`,
      `tls_server_config:\n  cert: |\n${indent(leaf.key)}\n  key: |\n${indent(leaf.key)}\n`,
      `tls_server_config:\n  cert_file: tls/cert.pem\n  key: |\n${indent(leaf.key)}\n  key_file: tls/key.pem\n`,
    ];
    for (const text of texts) {
      const { message } = failure(webFile(text));
      expect(message).not.toContain('SECRET');
      expect(message).not.toContain(keyBody);
      expect(message).not.toContain('PRIVATE KEY');
    }
  });
});
