// An ECDSA P-256 CA and a server certificate for the fake fleet, made with the openssl CLI at run
// time (valid two days): both exporters trust the CA and verify the fleet's name, as they would
// a real server's, so neither skips verification work the other does.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FLEET_TLS_NAME = 'fleet.bench.test';

export interface BenchCertificates {
  caFile: string;
  keyFile: string;
  certFile: string;
}

export function makeCertificates(dir: string): BenchCertificates {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=ehlo-exporter bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', `/CN=${FLEET_TLS_NAME}`);
  writeFileSync(f('server.ext'), `subjectAltName=DNS:${FLEET_TLS_NAME}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', f('server.ext'), '-out', f('server.pem'));
  return { caFile: f('ca.pem'), keyFile: f('server.key'), certFile: f('server.pem') };
}
