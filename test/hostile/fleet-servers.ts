// The kinds of server in the hostile fleet: healthy ones and one of each misbehaviour of the
// hostile suite, as raw scripts, so 200 of them cost the test process little.
import type net from 'node:net';
import { ehloReply, smtp } from './raw-smtp-server.js';

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
        return smtp((s) => s.write(ehloReply(['PIPELINING', 'SIZE 10240000', '8BITMIME'])), '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'silent':
        return;
      case 'trickle':
        return trickle(socket, '220 mx.fleet.test ESMTP but very slowly\r\n', 200);
      case 'endless':
        return smtp(pump, '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'ten-megabytes':
        return smtp((s) => s.write(TEN_MB), '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'binary':
        return smtp((s) => s.write(BINARY_EHLO), '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'code-change':
        return smtp((s) => s.write('250-mx.fleet.test\r\n251-SIZE 1\r\n250 OK\r\n'), '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'unasked':
        return smtp((s) => s.write(`${ehloReply(['SIZE 1000'])}250 unasked\r\n`), '220 mx.fleet.test ESMTP\r\n')(socket);
      case 'half-close':
        return void socket.end('220 mx.fleet.test ESMTP\r\n');
      case 'keywords': {
        const n = connection;
        return smtp((s) => s.write(ehloReply(Array.from({ length: 499 }, (_, i) => `X-C${n}K${i}`))), '220 mx.fleet.test ESMTP\r\n')(socket);
      }
      case 'reset':
        return void socket.resetAndDestroy();
    }
  };
}
