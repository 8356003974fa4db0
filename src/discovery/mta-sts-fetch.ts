// Fetching the MTA-STS policy (RFC 8461 §3.3): GET https://mta-sts.<domain>/.well-known/mta-sts.txt
// with the certificate checked for that name (WebPKI roots, plus the configured CA), HTTP 200 only,
// no redirects followed, media type text/plain, the body bounded, the whole fetch bounded in time.
// The host is resolved through the configured DNS lookup, never the system resolver: the domains
// we watch may be served by a resolver the system does not use (test zones, split horizon).
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { DnsLookup } from './dns-lookup.js';
import { parseMtaStsPolicy, type MtaStsPolicy } from './mta-sts-policy.js';

export type MtaStsFetchFailure = 'dns' | 'connect' | 'tls' | 'timeout' | 'http_status' | 'redirect' | 'content_type' | 'too_large' | 'syntax';

export interface FetchFailure {
  reason: MtaStsFetchFailure;
  message: string;
}

export type PolicyFetch = { policy: MtaStsPolicy; failure: null } | { policy: null; failure: FetchFailure };

export interface PolicyFetchDeps {
  lookup: DnsLookup;
  /** PEM trusted on top of Node's roots; null: the roots alone. */
  ca: string | null;
  timeoutMs: number;
}

/** RFC 8461 §3.3: "senders SHOULD impose a limit on the maximum size of the response body (64 KiB suggested)". */
export const MAX_POLICY_BYTES = 64 * 1024;

export function policyUrl(domain: string): string {
  return `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
}

/** `text/plain`, with or without parameters (charset=utf-8), in any case (RFC 9110 §8.3.1). */
function isTextPlain(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === 'text/plain';
}

/** The host's first IPv4 address, else its first IPv6 one; a DNS failure otherwise. */
async function resolvePolicyHost(lookup: DnsLookup, host: string): Promise<{ address: string; family: 4 | 6 } | FetchFailure> {
  const errors: string[] = [];
  for (const [query, family] of [[lookup.a, 4], [lookup.aaaa, 6]] as const) {
    try {
      const first = (await query(host))[0];
      if (first !== undefined) return { address: first.address, family };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ENODATA') errors.push(String(code ?? (error as Error).message));
    }
  }
  return { reason: 'dns', message: `${host}: ${errors.length > 0 ? `lookup failed (${[...new Set(errors)].join(', ')})` : 'has no A or AAAA records'}` };
}

type Step = { failure: FetchFailure } | { body: Buffer };

/** One GET to an address already resolved; every way it can end becomes a Step, once. */
function get(url: string, target: { address: string; family: 4 | 6 }, ca: string | null, signal: AbortSignal): Promise<Step> {
  return new Promise((resolve) => {
    let stage: 'connect' | 'tls' | 'http' = 'connect';
    let settled = false;
    const finish = (step: Step) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(step);
    };
    const failure = (reason: MtaStsFetchFailure, detail: string) => finish({ failure: { reason, message: `${url}: ${detail}` } });
    // Hands node:https the address we resolved; node:net asks for a list when it races address families.
    const lookup: LookupFunction = (_host, options, callback) =>
      options.all ? callback(null, [target]) : callback(null, target.address, target.family);
    const request = https.request(url, {
      agent: false,
      lookup,
      ...(ca !== null ? { ca: [...rootCertificates, ca] } : {}),
      headers: { accept: 'text/plain', 'cache-control': 'no-cache' },
    });
    request.on('socket', (socket) => {
      socket.once('connect', () => (stage = 'tls'));
      socket.once('secureConnect', () => (stage = 'http'));
    });
    signal.addEventListener('abort', () => failure('timeout', `no complete answer within the fetch timeout (stalled in ${stage === 'http' ? 'the HTTP exchange' : stage})`), { once: true });
    request.on('error', (error) => {
      const code = (error as { code?: string }).code;
      const detail = `${error.message}${code !== undefined && !error.message.includes(code) ? ` (${code})` : ''}`;
      failure(stage === 'tls' ? 'tls' : 'connect', `${stage === 'tls' ? 'TLS handshake or certificate check failed' : 'connection failed'}: ${detail}`);
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) return failure('redirect', `HTTP ${status} redirect to ${JSON.stringify(response.headers.location ?? '')}, which RFC 8461 §3.3 forbids following`);
      if (status !== 200) return failure('http_status', `HTTP ${status} (only 200 is a policy)`);
      const type = response.headers['content-type'];
      if (!isTextPlain(type)) return failure('content_type', `media type ${JSON.stringify(type ?? '(none)')}, not text/plain`);
      const declared = Number(response.headers['content-length']);
      if (declared > MAX_POLICY_BYTES) return failure('too_large', `Content-Length ${declared} exceeds ${MAX_POLICY_BYTES} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_POLICY_BYTES) return failure('too_large', `body exceeds ${MAX_POLICY_BYTES} bytes`);
        chunks.push(chunk);
      });
      response.on('end', () => finish({ body: Buffer.concat(chunks) }));
      response.on('error', () => undefined); // the request's 'error' (or our own destroy) decides
    });
    if (signal.aborted) failure('timeout', 'no time left after resolving the host');
    else request.end();
  });
}

/** Never rejects: each failure is a reason and a message naming the URL. */
export async function fetchMtaStsPolicy(domain: string, deps: PolicyFetchDeps): Promise<PolicyFetch> {
  const url = policyUrl(domain);
  const signal = AbortSignal.timeout(deps.timeoutMs);
  const timedOut = new Promise<FetchFailure>((resolve) =>
    signal.addEventListener('abort', () => resolve({ reason: 'timeout', message: `${url}: resolving mta-sts.${domain} took longer than the fetch timeout` }), { once: true }),
  );
  const target = await Promise.race([resolvePolicyHost(deps.lookup, `mta-sts.${domain}`), timedOut]);
  if ('reason' in target) return { policy: null, failure: target.reason === 'dns' ? { ...target, message: `${url}: ${target.message}` } : target };
  const step = await get(url, target, deps.ca, signal);
  if ('failure' in step) return { policy: null, failure: step.failure };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(step.body);
  } catch {
    return { policy: null, failure: { reason: 'syntax', message: `${url}: the body is not UTF-8` } };
  }
  const parsed = parseMtaStsPolicy(text);
  return parsed.error === null ? { policy: parsed.policy, failure: null } : { policy: null, failure: { reason: 'syntax', message: `${url}: ${parsed.error}` } };
}
