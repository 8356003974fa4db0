// The kinds of server in the hostile fleet: healthy ones and one of each misbehaviour of the
// hostile suite, as raw scripts, so 200 of them cost the test process little.
import type net from 'node:net';
import { ehloReply, onLines } from './raw-smtp-server.js';

export type FleetKind =
  | 'healthy'
  | 'silent'
  | 'trickle'
  | 'endless'
  | 'ten-megabytes'
  | 'binary'
  | 'code-change'
  | 'unasked'
  | 'half-close'
  | 'keywords'
  | 'reset';

/** A 10 MB reply shared by every connection (a Buffer is written by reference, not copied). */
const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x41).fill('250-', 0, 4);
const ENDLESS_CHUNK = Buffer.from('250-CONTINUED-FOREVER\r\n'.repeat(200));
const BINARY_EHLO = Buffer.concat([Buffer.from('250-mx\0.test\r\n250-PIPE\0LINING\r\n250-X-'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('\r\n250 SIZE 1000\r\n')]);

function conversation(socket: net.Socket, ehlo: (socket: net.Socket) => void, greeting = '220 mx.fleet.test ESMTP\r\n'): void {
  socket.write(greeting);
  onLines(socket, (line) => {
    const verb = line.split(' ')[0]?.toUpperCase();
    if (verb === 'EHLO') ehlo(socket);
    else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
    else socket.write('502 5.5.2 no\r\n');
  });
}

function pump(socket: net.Socket): void {
  while (!socket.destroyed && socket.writable && socket.write(ENDLESS_CHUNK));
  if (!socket.destroyed && socket.writable) socket.once('drain', () => pump(socket));
}

function trickle(socket: net.Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => (i < text.length && !socket.destroyed ? socket.write(text[i++]!) : clearInterval(timer)), everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** A script for startRawServer; `connection` counts this server's connections (new keywords each time). */
export function fleetScript(kind: FleetKind): (socket: net.Socket) => void {
  let connection = 0;
  return (socket) => {
    connection++;
    switch (kind) {
      case 'healthy':
        return conversation(socket, (s) => s.write(ehloReply(['PIPELINING', 'SIZE 10240000', '8BITMIME'])));
      case 'silent':
        return;
      case 'trickle':
        return trickle(socket, '220 mx.fleet.test ESMTP but very slowly\r\n', 200);
      case 'endless':
        return conversation(socket, pump);
      case 'ten-megabytes':
        return conversation(socket, (s) => s.write(TEN_MB));
      case 'binary':
        return conversation(socket, (s) => s.write(BINARY_EHLO));
      case 'code-change':
        return conversation(socket, (s) => s.write('250-mx.fleet.test\r\n251-SIZE 1\r\n250 OK\r\n'));
      case 'unasked':
        return conversation(socket, (s) => s.write(`${ehloReply(['SIZE 1000'])}250 unasked\r\n`));
      case 'half-close':
        return void socket.end('220 mx.fleet.test ESMTP\r\n');
      case 'keywords': {
        const n = connection;
        return conversation(socket, (s) => s.write(ehloReply(Array.from({ length: 499 }, (_, i) => `X-C${n}K${i}`))));
      }
      case 'reset':
        return void socket.resetAndDestroy();
    }
  };
}
