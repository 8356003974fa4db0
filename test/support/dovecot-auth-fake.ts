// The server side of Dovecot's authentication protocol (version 1), just enough for Postfix
// (`smtpd_sasl_type = dovecot`, `smtpd_sasl_path = inet:127.0.0.1:PORT`) to learn its mechanism list
// and advertise AUTH. Every authentication attempt fails. Cyrus SASL would need the plugin package
// libsasl2-modules, which Debian installs only as a recommendation; this needs nothing.
import { createServer, type Server, type Socket } from 'node:net';

export interface DovecotAuthFake {
  port: number;
  close(): Promise<void>;
}

export async function startDovecotAuthFake(mechanisms: readonly string[]): Promise<DovecotAuthFake> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // The server speaks first; the client's VERSION/CPID lines need no answer.
    socket.write(
      [
        'VERSION\t1\t2',
        ...mechanisms.map((m) => `MECH\t${m}\tplaintext`),
        'SPID\t1',
        `CUID\t${sockets.size}`,
        'COOKIE\t0123456789abcdef0123456789abcdef',
        'DONE',
        '',
      ].join('\n'),
    );
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const [command, id] = buffered.slice(0, nl).split('\t');
        buffered = buffered.slice(nl + 1);
        if (command === 'AUTH' && id !== undefined) socket.write(`FAIL\t${id}\treason=test fake accepts no one\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('Dovecot auth fake has no address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
