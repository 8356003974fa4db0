// One bounded HTTP(S) GET for tests that talk to a running exporter; TLS verification stays on.
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GetOptions {
  /** PEM of the CA that signed the exporter's certificate; absent: plain HTTP. */
  ca?: string;
  /** `user:password`, sent as Basic credentials. */
  credentials?: string;
  timeoutMs?: number;
}

export function get(url: string, options: GetOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.credentials !== undefined) headers.authorization = `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).get(
      url,
      { headers, agent: false, timeout: options.timeoutMs ?? 5000, ...(secure ? { ca: options.ca, servername: 'localhost' } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}
