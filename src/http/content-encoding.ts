// Content negotiation for /metrics as client_golang's promhttp does it: gzip when the client accepts
// it, the identity encoding otherwise. Prometheus always sends `Accept-Encoding: gzip`, and an
// exposition shrinks about tenfold, so a large fleet's scrape costs a tenth of the bytes on the wire.
// The registry makes the gzip body itself (metrics/gzip-sections.ts), reusing what did not change.
// RFC 9110 §12.5.3: a coding listed with q=0 is refused; `*` stands for every coding not listed.
/** Whether an Accept-Encoding header value accepts gzip (absent header: no, as clients that want it ask). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let star: boolean | null = null;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') return accepted;
    if (coding === '*') star = accepted;
  }
  return star === true;
}
