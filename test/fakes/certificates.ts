// Test certificates generated at test time, with validity relative to now (valid, expired,
// self-signed, wrong name). Keys come from Node's native RSA generator: forge's own is slow.
import crypto from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';

export interface KeyAndCert {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

export interface CertificateOptions {
  commonName: string;
  /** DNS names and IP addresses; IPs become iPAddress SANs. Default: [commonName]. */
  sans?: string[];
  organization?: string;
  /** Validity relative to now, in days (negative = in the past). Defaults: -1 and +30. */
  notBeforeDays?: number;
  notAfterDays?: number;
}

const DAY_MS = 86_400_000;

function newKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    pem: privateKey,
  };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, options: CertificateOptions): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive, random, 16 bytes: unique serials keep OpenSSL's chain building honest.
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now + (options.notBeforeDays ?? -1) * DAY_MS);
  cert.validity.notAfter = new Date(now + (options.notAfterDays ?? 30) * DAY_MS);
  // X.509 order, most general first, as real certificates have it ("O=…, CN=…").
  const subject: forge.pki.CertificateField[] = [];
  if (options.organization !== undefined) subject.push({ name: 'organizationName', value: options.organization });
  subject.push({ name: 'commonName', value: options.commonName });
  cert.setSubject(subject);
  return cert;
}

function sanExtension(names: string[]): object {
  return {
    name: 'subjectAltName',
    altNames: names.map((n) => (net.isIP(n) !== 0 ? { type: 7, ip: n } : { type: 2, value: n })),
  };
}

function toPem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert);
}

export interface TestCa extends KeyAndCert {
  /** Signs a leaf for the given names. */
  issue(options: CertificateOptions): KeyAndCert;
}

/** A certificate authority to pass as `ca` in probes, and to sign leaves with. */
export function createCa(options: Partial<CertificateOptions> = {}): TestCa {
  const keys = newKeys();
  const caOptions: CertificateOptions = {
    commonName: options.commonName ?? 'ehlo-exporter test CA',
    organization: options.organization ?? 'ehlo-exporter tests',
    notBeforeDays: options.notBeforeDays ?? -365,
    notAfterDays: options.notAfterDays ?? 365,
  };
  const cert = baseCertificate(keys.publicKey, caOptions);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    key: keys.pem,
    cert: toPem(cert),
    issue: (leaf) => issueLeaf(cert, keys.privateKey, leaf),
  };
}

function issueLeaf(caCert: forge.pki.Certificate, caKey: forge.pki.rsa.PrivateKey, options: CertificateOptions): KeyAndCert {
  const keys = newKeys();
  const cert = baseCertificate(keys.publicKey, options);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    sanExtension(options.sans ?? [options.commonName]),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { key: keys.pem, cert: toPem(cert) };
}

/** A leaf that signs itself: verification fails with DEPTH_ZERO_SELF_SIGNED_CERT. */
export function createSelfSigned(options: CertificateOptions): KeyAndCert {
  const keys = newKeys();
  const cert = baseCertificate(keys.publicKey, options);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    sanExtension(options.sans ?? [options.commonName]),
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: keys.pem, cert: toPem(cert) };
}
