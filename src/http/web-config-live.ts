// The web config while the exporter runs: re-read when its file or the certificate files it names
// change (cert-manager rotates certificates in place), applied without a restart, and never
// replaced by a broken file, as the exporter-toolkit does. Certificates, keys, the client CA, TLS
// versions, users and headers change live; turning TLS on or off or changing client_auth_type
// changes how connections are accepted, so those wait for a restart and say so.
import { createHash } from 'node:crypto';
import type tls from 'node:tls';
import { loadWebConfig, type WebConfig } from './web-config.js';
import { BasicAuth } from './web-config-auth.js';
import { secureContextOptions } from './web-config-tls.js';

/** How often the files are compared with what runs; a rotated certificate is served within this. */
export const WEB_CONFIG_POLL_MS = 10_000;

export type WebConfigRefresh =
  | { outcome: 'unchanged' }
  | { outcome: 'applied' }
  | { outcome: 'failed'; error: string };

/** Everything a web config decides, as one digest: equal digests, nothing to apply. */
function digestOf(c: WebConfig): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([c.tls?.clientAuthType, c.tls?.minVersion, c.tls?.maxVersion, [...c.basicAuthUsers], c.headers]));
  for (const pem of [c.tls?.cert, c.tls?.key, c.tls?.clientCa]) hash.update(pem ?? '\0').update('\0');
  return hash.digest('hex');
}

/** Why `next` cannot replace `running` without a restart, or null. */
function needsRestart(running: WebConfig, next: WebConfig): string | null {
  if ((running.tls === null) !== (next.tls === null)) return `TLS is ${running.tls === null ? 'off' : 'on'} and the new file turns it ${next.tls === null ? 'off' : 'on'}`;
  if (running.tls !== null && next.tls !== null && running.tls.clientAuthType !== next.tls.clientAuthType) {
    return `client_auth_type changes from ${running.tls.clientAuthType} to ${next.tls.clientAuthType}`;
  }
  return null;
}

export class LiveWebConfig {
  #config: WebConfig;
  #digest: string;
  #auth: BasicAuth | null;
  #tlsServer: tls.Server | null = null;

  constructor(
    initial: WebConfig,
    private readonly load: (file: string) => WebConfig = loadWebConfig,
  ) {
    this.#config = initial;
    this.#digest = digestOf(initial);
    this.#auth = initial.basicAuthUsers.size === 0 ? null : new BasicAuth(initial.basicAuthUsers);
  }

  get config(): WebConfig {
    return this.#config;
  }

  /** null: no users, no authentication. A new object after a change of users (its cache starts empty). */
  get auth(): BasicAuth | null {
    return this.#auth;
  }

  /** The HTTPS server whose certificate a reload replaces (buildServer attaches it). */
  attachTls(server: tls.Server): void {
    this.#tlsServer = server;
  }

  /**
   * Reads the file (and the files it names) again and applies what changed. A file that does not
   * load, or asks for a restart-only change, leaves the running config in place.
   */
  refresh(): WebConfigRefresh {
    let next: WebConfig;
    try {
      next = this.load(this.#config.file);
    } catch (error) {
      return { outcome: 'failed', error: (error as Error).message };
    }
    const digest = digestOf(next);
    if (digest === this.#digest) return { outcome: 'unchanged' };
    const restart = needsRestart(this.#config, next);
    if (restart !== null) return { outcome: 'failed', error: `${restart}; restart the exporter for that (the running web config stays)` };
    if (next.tls !== null && this.#tlsServer !== null) {
      try {
        this.#tlsServer.setSecureContext(secureContextOptions(next.tls));
      } catch (error) {
        return { outcome: 'failed', error: `the new certificate cannot be used: ${(error as Error).message}` };
      }
    }
    const usersChanged = JSON.stringify([...next.basicAuthUsers]) !== JSON.stringify([...this.#config.basicAuthUsers]);
    if (usersChanged) this.#auth = next.basicAuthUsers.size === 0 ? null : new BasicAuth(next.basicAuthUsers);
    this.#config = next;
    this.#digest = digest;
    return { outcome: 'applied' };
  }

  /**
   * Polls refresh() every `intervalMs` and reports each applied change and each new failure once
   * (the same broken file is not logged again every poll). Returns the function that stops it.
   */
  watch(intervalMs: number, report: (refresh: WebConfigRefresh) => void): () => void {
    let lastError: string | null = null;
    const timer = setInterval(() => {
      const r = this.refresh();
      if (r.outcome === 'failed' && r.error === lastError) return;
      lastError = r.outcome === 'failed' ? r.error : null;
      if (r.outcome !== 'unchanged') report(r);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
