// `basic_auth_users` of the web config (RFC 7617 Basic authentication with bcrypt hashes), checked
// on every request. bcrypt is slow on purpose (~70 ms at cost 10), so verified credentials are
// cached, and password checks run one at a time with a bounded queue: a flood of wrong passwords
// waits its turn (or is refused) while a scraper with cached credentials is answered at once.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { isMap, isScalar, type Node } from 'yaml';
import { childPath, type NodeReader } from '../config/node-reader.js';
import { HttpError, sendError } from './errors.js';

/** $2$, $2a$, $2b$ or $2y$ (htpasswd -B), a cost of 4–31, then 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** Checked for users that do not exist, so a wrong user name costs as long as a wrong password. */
const UNKNOWN_USER_HASH = '$2b$10$YPsgtXZPSWy5/uisWVNSiOMHLQxMQe9wRqVgsA1y5kbnovX6amGTi';

export const AUTH_CACHE_SIZE = 256;
/** Password checks waiting for their turn; beyond this a request is refused at once. */
export const MAX_PENDING_CHECKS = 32;

/** Reads user → hash. A value is never echoed in a message: a hash is a secret too. */
export function readBasicAuthUsers(r: NodeReader, node: Node | null, path: string): Map<string, string> {
  const users = new Map<string, string>();
  const n = r.resolve(node);
  if (r.isNull(n)) return users;
  if (!isMap(n)) {
    r.report(n, path, 'expected a mapping of user names to bcrypt hashes');
    return users;
  }
  for (const pair of n.items) {
    const keyNode = r.resolve(pair.key as Node | null);
    const user = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof user !== 'string' || user === '' || user.includes(':')) {
      r.report(keyNode ?? n, path, 'user names must be non-empty strings without ":" (RFC 7617)');
      continue;
    }
    const p = childPath(path, user);
    const valueNode = r.resolve(pair.value as Node | null);
    const hash = isScalar(valueNode) ? valueNode.value : undefined;
    if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
      r.report(valueNode ?? keyNode, p, 'not a bcrypt hash (expected e.g. "$2y$10$" and 53 more characters, as `htpasswd -nBC 10 "" | tr -d \':\\n\'` prints); the value is not shown');
      continue;
    }
    users.set(user, hash);
  }
  return users;
}

export type AuthOutcome = 'ok' | 'denied' | 'busy';

export class BasicAuth {
  readonly #users: ReadonlyMap<string, string>;
  /** Digests of (user, hash, password) that verified; insertion order doubles as LRU order. */
  readonly #verified = new Map<string, true>();
  readonly #cacheSize: number;
  readonly #maxPending: number;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;

  constructor(users: ReadonlyMap<string, string>, options: { cacheSize?: number; maxPending?: number } = {}) {
    this.#users = users;
    this.#cacheSize = options.cacheSize ?? AUTH_CACHE_SIZE;
    this.#maxPending = options.maxPending ?? MAX_PENDING_CHECKS;
  }

  get cachedEntries(): number {
    return this.#verified.size;
  }

  /** Judges an Authorization header value. */
  async check(header: string | undefined): Promise<AuthOutcome> {
    const credentials = parseBasic(header);
    if (credentials === null) return 'denied';
    const known = this.#users.get(credentials.user);
    const hash = known ?? UNKNOWN_USER_HASH;
    // A digest, not the password, is what stays in memory; the hash is part of it so a changed
    // hash never matches an old entry.
    const key = createHash('sha256').update(JSON.stringify([credentials.user, hash, credentials.password])).digest('base64');
    if (known !== undefined && this.#verified.has(key)) {
      this.#verified.delete(key);
      this.#verified.set(key, true);
      return 'ok';
    }
    if (this.#pending >= this.#maxPending) return 'busy';
    this.#pending++;
    const turn = this.#queue.then(() => bcrypt.compare(credentials.password, hash));
    this.#queue = turn.catch(() => false);
    let matches: boolean;
    try {
      matches = await turn;
    } catch {
      matches = false;
    } finally {
      this.#pending--;
    }
    // Only successes are cached: failures cannot push a real client's entry out.
    if (!matches || known === undefined) return 'denied';
    this.#verified.set(key, true);
    if (this.#verified.size > this.#cacheSize) this.#verified.delete(this.#verified.keys().next().value!);
    return 'ok';
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (m === null) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Every route, including 404s and /-/healthy, answers 401 without valid credentials. `auth` is read
 * at each request, so users a reload adds or removes apply at once; null: no authentication.
 */
export function registerBasicAuth(app: FastifyInstance, auth: () => BasicAuth | null): void {
  app.addHook('onRequest', async (request, reply) => {
    const current = auth();
    if (current === null) return;
    const outcome = await current.check(request.headers.authorization);
    if (outcome === 'ok') return;
    if (outcome === 'busy') {
      reply.header('retry-after', '1');
      return sendError(request, reply, new HttpError('ERR_RATE_LIMITED', 'too many password checks in progress; retry later'));
    }
    request.log.debug({ remote: request.ip, url: request.url.split('?')[0] }, 'basic authentication failed');
    reply.header('www-authenticate', 'Basic realm="ehlo-exporter", charset="UTF-8"');
    return sendError(request, reply, new HttpError('ERR_UNAUTHORIZED', 'authentication required'));
  });
}
