// A free TCP port on 127.0.0.1 for programs that must be told their port (Postfix, Prometheus,
// the exporter process). Another process could take it before ours binds; on one test machine that
// has not been seen, and the bind error would say so.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
