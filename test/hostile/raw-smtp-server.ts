// Hostile servers with full control of the wire: a plain listener on 127.0.0.1:0 whose script gets
// the raw socket, and a STARTTLS helper that answers 220 and hands over the server side of TLS
// with whatever options the case needs (TLS 1.2 only, for renegotiation).
import net from 'node:net';
import tls from 'node:tls';

export interface RawServer {
  host: string;
  port: number;
  /** Sockets accepted so far. */
  readonly accepted: net.Socket[];
  close(): Promise<void>;
}

/** `host`: any loopback address; the scheduler allows one session per host at a time. */
export async function startRawServer(script: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<RawServer> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    script(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return {
    host,
    port: (server.address() as net.AddressInfo).port,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of accepted) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls `onLine` for each CRLF- or LF-terminated line the client sends. */
export function onLines(socket: net.Socket, onLine: (line: string) => void): void {
  let buffer = '';
  const listener = (chunk: Buffer): void => {
    buffer += chunk.toString('latin1');
    let lf: number;
    while ((lf = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, lf).replace(/\r$/, '');
      buffer = buffer.slice(lf + 1);
      onLine(line);
    }
  };
  socket.on('data', listener);
}

/** `250-name`, one line per keyword, the last with a space. */
export function ehloReply(keywords: string[], name = 'mx.hostile.test'): string {
  const lines = [name, ...keywords];
  return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
}

/**
 * A server that greets, offers STARTTLS, upgrades on request with `tlsOptions`, and then lets
 * `inside` handle the client's commands over TLS (line by line).
 */
export function startTlsServer(
  tlsOptions: tls.TlsOptions,
  inside: (secure: tls.TLSSocket, line: string, raw: net.Socket) => void,
): Promise<RawServer> {
  return startRawServer((socket) => {
    socket.write('220 mx.hostile.test ESMTP\r\n');
    let upgraded = false;
    onLines(socket, (line) => {
      if (upgraded) return;
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'EHLO') socket.write(ehloReply(['SIZE 1000', 'STARTTLS']));
      else if (verb === 'STARTTLS') {
        upgraded = true;
        socket.removeAllListeners('data');
        socket.write('220 2.0.0 go ahead\r\n');
        const secure = new tls.TLSSocket(socket, { isServer: true, ...tlsOptions });
        secure.on('error', () => {});
        onLines(secure, (l) => inside(secure, l, socket));
      } else if (verb === 'QUIT') socket.end('221 bye\r\n');
      else socket.write('502 no\r\n');
    });
  });
}

/** Greets, answers EHLO with `ehlo(socket)` and QUIT with 221: the part each case changes is EHLO. */
export function smtp(ehlo: (socket: net.Socket) => void, greeting: string | Buffer = '220 mx.hostile.test ESMTP\r\n'): (socket: net.Socket) => void {
  return (socket) => {
    socket.write(greeting);
    onLines(socket, (line) => {
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'EHLO') ehlo(socket);
      else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
      else socket.write('502 5.5.2 no\r\n');
    });
  };
}
