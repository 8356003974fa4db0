// The test zone of the discovery tests: every case issue 10 names, on loopback addresses that the
// fake SMTP servers of the same tests listen on.
import { createSocket, type Socket } from 'node:dgram';

export const ZONE = 'ehlo.test';

export const RECORDS = `
multi MX 10 mx1
multi MX 10 mx2
multi MX 20 mx3
mx1 A 127.0.0.11
mx1 A 127.0.0.12
mx1 AAAA ::1
mx2 A 127.0.0.13
mx3 A 127.0.0.14
implicit A 127.0.0.15
nullmx MX 0 .
cname MX 10 alias
alias CNAME mx2
noaddr MX 10 bare
bare TXT "no address records here"
`;

/** A name server that receives every query and answers none of them in time. */
export async function startSilentDns(): Promise<{ server: string; close: () => Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The head of an exporter config for the domain tests: probes every second, DNS from `servers`, re-resolved every second. */
export function fastDomainConfigHead(servers: readonly string[]): string[] {
  return [
    'defaults:',
    '  schedule: "* * * * * *"',
    '  timeout: 5s',
    '  helo_name: probe.ehlo-exporter.test',
    'dns:',
    `  servers: [${servers.map((s) => JSON.stringify(s)).join(', ')}]`,
    '  timeout: 1s',
    '  refresh: 1s',
    '  min_refresh: 1s',
  ];
}
