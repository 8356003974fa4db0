// An MTA-STS policy server as RFC 8461 §3.3 has senders meet it: HTTPS on port 443 of a loopback
// address of its own (127.x.y.z, picked at random until one is free, so test files never share
// one), a certificate from a test CA, and what it answers — body, media type, status, redirect,
// delay, even the certificate — changeable while it runs. Port 443 needs root, as CI and this
// machine have.
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { KeyAndCert } from '../fakes/certificates.js';

export interface PolicyAnswer {
  status: number;
  contentType: string | null;
  body: string | Buffer;
  /** Location header (set status to a 3xx). */
  location: string | null;
  /** Milliseconds before answering; Infinity: never answer (the connection stays open until stop). */
  delayMs: number;
  /** Send the body chunked, without Content-Length (so only the reader's own count can stop it). */
  chunked: boolean;
}

export interface MtaStsServer {
  /** The loopback address the `mta-sts.<domain>` A record must point at. */
  address: string;
  /** Requests seen for the policy path, in order. */
  readonly requests: number;
  /** Changes what the next requests get (the rest stays as it was). */
  set(answer: Partial<PolicyAnswer>): void;
  /** Serve another certificate from now on (wrong name, other CA). */
  setCertificate(pair: KeyAndCert): void;
  stop(): Promise<void>;
}

export const POLICY_PATH = '/.well-known/mta-sts.txt';

export function policyText(fields: { mode: string; mx: string[]; max_age: number }, eol = '\r\n'): string {
  return ['version: STSv1', `mode: ${fields.mode}`, ...fields.mx.map((m) => `mx: ${m}`), `max_age: ${fields.max_age}`, ''].join(eol);
}

async function listenOnFreeLoopback(server: Server): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const address = `127.${randomInt(64, 128)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(443, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return address;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}

export async function startMtaStsServer(pair: KeyAndCert, answer: Partial<PolicyAnswer> = {}): Promise<MtaStsServer> {
  let requests = 0;
  const state: { answer: PolicyAnswer } = {
    answer: { status: 200, contentType: 'text/plain', body: '', location: null, delayMs: 0, chunked: false, ...answer },
  };
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
    if (req.url !== POLICY_PATH) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    const { status, contentType, body, location, delayMs, chunked } = state.answer;
    const send = () => {
      res.writeHead(status, {
        ...(contentType !== null ? { 'content-type': contentType } : {}),
        ...(location !== null ? { location } : {}),
        ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
      });
      if (chunked) res.write(body);
      res.end(chunked ? undefined : body);
    };
    if (delayMs === Infinity) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
  });
  const address = await listenOnFreeLoopback(server);
  return {
    address,
    get requests() {
      return requests;
    },
    set: (next) => (state.answer = { ...state.answer, ...next }),
    setCertificate: (next) => server.setSecureContext({ key: next.key, cert: next.cert }),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
