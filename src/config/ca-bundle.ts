// A CA bundle named by tls.ca_file or --ca-file: a bounded regular file holding at least one PEM
// certificate. Without this check /etc/passwd or /dev/null would be accepted and silently verify nothing.
import { X509Certificate } from 'node:crypto';
import { FileReadError, MAX_CA_FILE_BYTES, readBoundedFile } from './bounded-file.js';

const PEM_CERTIFICATE_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The bundle's text; throws FileReadError naming the file and what is wrong with it. */
export function readCaBundle(file: string): string {
  const text = readBoundedFile(file, MAX_CA_FILE_BYTES).toString('utf8');
  const blocks = text.match(PEM_CERTIFICATE_RE) ?? [];
  if (blocks.length === 0) throw new FileReadError(file, 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); a CA file must hold at least one');
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new FileReadError(file, `certificate ${i + 1} of ${blocks.length} cannot be parsed: ${(e as Error).message}`);
    }
  });
  return text;
}
