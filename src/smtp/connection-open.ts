// Opening the TCP connection an SMTP session runs over (RFC 5321 §3.1), within a deadline.
import net from 'node:net';
import { SessionError, classifySocketError } from './session-error.js';

/**
 * Resolves once connected, with Nagle off: our commands are single small writes, and a timing that
 * includes a 40 ms delayed-ACK stall would measure the client, not the server.
 */
export function openConnection(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new SessionError('connect', 'ERR_CONNECT_TIMEOUT', `no connection to ${host}:${port} within ${seconds(timeoutMs)} s`));
    }, Math.max(0, timeoutMs));
    const onConnect = (): void => {
      cleanup();
      // Until the session attaches its own handlers, an early error must not crash the process;
      // the session still learns of it, because the socket is then destroyed.
      socket.on('error', ignore);
      socket.setNoDelay(true);
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(SessionError.at('connect', classifySocketError(firstCause(err))));
    };
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
    }
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

function ignore(): void {}

/** With happy eyeballs, Node reports an AggregateError; the first attempt's error says most. */
function firstCause(err: Error): unknown {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors[0];
  return err;
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
