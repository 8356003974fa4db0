// A CA bundle named by tls.ca_file, --ca-file or the web config's client_ca_file: a bounded regular
// file holding at least one PEM certificate. Without this check /etc/passwd or /dev/null would be
// accepted and silently verify nothing.
import { X509Certificate } from 'node:crypto';
import { FileReadError, MAX_CA_FILE_BYTES, readBoundedFile } from './bounded-file.js';

const PEM_CERTIFICATE_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The bundle's text; throws FileReadError naming the file and what is wrong with it. */
export function readCaBundle(file: string): string {
  const text = readBoundedFile(file, MAX_CA_FILE_BYTES).toString('utf8');
  const problem = caBundleProblem(text);
  if (problem !== null) throw new FileReadError(file, problem);
  return text;
}

/** What is wrong with a CA bundle's text (no certificate, or one that does not parse), or null. */
export function caBundleProblem(text: string): string | null {
  const blocks = text.match(PEM_CERTIFICATE_RE) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); a CA file must hold at least one';
  for (const [i, pem] of blocks.entries()) {
    try {
      new X509Certificate(pem);
    } catch (e) {
      return `certificate ${i + 1} of ${blocks.length} cannot be parsed: ${(e as Error).message}`;
    }
  }
  return null;
}
