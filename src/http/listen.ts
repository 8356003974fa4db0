// --web.listen-address as the Prometheus exporter-toolkit reads it: ":9525" is every interface, IPv4
// and IPv6 alike, and the flag may repeat. Every listener feeds the one fastify server, so each
// shares its TLS context, client-certificate policy, timeouts, auth and routes, and closes with it.
import net from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ListenAddress {
  /** null: every interface, IPv4 and IPv6 (":9525"). */
  host: string | null;
  port: number;
}

/** ":9525", "127.0.0.1:9525", "[::1]:9525", "localhost:9525"; a string saying what is wrong otherwise. */
export function parseListenAddress(text: string): ListenAddress | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) return `--web.listen-address must be HOST:PORT, [IPv6]:PORT or :PORT, got "${text}"`;
  if (m[1] !== undefined && !net.isIPv6(m[1])) return `--web.listen-address: "${m[1]}" in brackets is not an IPv6 address`;
  return { host: m[1] ?? (m[2] || null), port };
}

/**
 * Errors that mean this machine has no IPv6 (a kernel without it, or IPv6 disabled): ":PORT" then
 * listens on IPv4 only, as Go's net.Listen("tcp", ":PORT") does. Anything else (EADDRINUSE, EACCES)
 * is the operator's to see.
 */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/**
 * The host to bind for `address`, trying `bind` on "::" (dual stack: Linux accepts IPv4 there as
 * ::ffff:a.b.c.d) and falling back to "0.0.0.0" when IPv6 is unavailable. Resolves with the host bound.
 */
export async function bindWithFallback(address: ListenAddress, bind: (host: string) => Promise<void>): Promise<string> {
  if (address.host !== null) {
    await bind(address.host);
    return address.host;
  }
  try {
    await bind('::');
    return '::';
  } catch (error) {
    if (!NO_IPV6.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await bind('0.0.0.0');
    return '0.0.0.0';
  }
}

/** "[::]:9525", "127.0.0.1:9525": what the log says was bound. */
function describe(server: net.Server): string {
  const a = server.address() as net.AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Listens on every address: the first through fastify, the others through plain TCP listeners that
 * hand each accepted connection to fastify's server (the 'connection' event Node's HTTP and HTTPS
 * servers take sockets from). Closed with the app (preClose). Resolves with what was bound; on any
 * failure, closes what it opened and rejects naming the address.
 */
export async function listenOn(app: FastifyInstance, addresses: readonly ListenAddress[], texts: readonly string[]): Promise<string[]> {
  const extra: net.Server[] = [];
  // Stop accepting, without waiting: connections already handed over are fastify's, and it closes
  // them after preClose (a listener's close() would wait for its keep-alive connections forever).
  const closeExtra = () => {
    for (const s of extra) if (s.listening) s.close();
  };
  app.addHook('preClose', async () => closeExtra());
  const bound: string[] = [];
  try {
    for (const [i, address] of addresses.entries()) {
      const text = texts[i] ?? `${address.host ?? ''}:${address.port}`;
      try {
        if (i === 0) {
          await bindWithFallback(address, (host) => app.listen({ host, port: address.port }).then(() => undefined));
          bound.push(describe(app.server));
          continue;
        }
        const server = net.createServer((socket) => app.server.emit('connection', socket));
        extra.push(server);
        await bindWithFallback(address, (host) => listenNet(server, host, address.port));
        bound.push(describe(server));
      } catch (error) {
        throw new Error(`cannot listen on ${text}: ${(error as Error).message}`, { cause: error });
      }
    }
  } catch (error) {
    closeExtra();
    throw error;
  }
  return bound;
}

function listenNet(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
