// The "TLS 1.3 STARTTLS sessions stalled ~40 ms against a real Postfix": probes a private
// Postfix (test/support/postfix-instance.ts; needs root and Debian's postfix) with TLS 1.2, with
// TLS 1.3, and with TLS 1.3 and Postfix's NO_TICKET option, and prints the median of each phase
// ehlo-exporter reports, next to a bare client that sends its EHLO inside TLS at once or only
// once the first session ticket is in (src/smtp/connection.ts explains the stall).
//   node .bench-build/test/bench/postfix-tls.js [probes per case, default 40]
import net from 'node:net';
import tls from 'node:tls';
import { probeTarget } from '../../src/probe/probe-target.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import { percentile } from './schedule-stats.js';
import { postfixUnavailableReason, startPostfix } from '../support/postfix-instance.js';

const COUNT = Number(process.argv[2] ?? 40);
const PHASES = ['connect', 'greeting', 'ehlo', 'starttls', 'tls_handshake', 'ehlo_tls', 'quit', 'total'] as const;

function median(results: ProbeResult[], phase: (typeof PHASES)[number]): number {
  const values = results.map((r) => (r.timings_seconds[phase] ?? NaN) * 1000).sort((a, b) => a - b);
  return percentile(values, 50);
}

/** Resolves with the next complete reply (its final "NNN " line) from `socket`, however it is chunked. */
function replies(socket: net.Socket): () => Promise<string> {
  let buffered = '';
  let waiter: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('latin1');
    waiter?.();
  });
  return () =>
    new Promise<string>((resolve) => {
      const check = () => {
        const m = /(^|\n)\d{3} [^\n]*\n/.exec(buffered);
        if (m === null) return;
        waiter = null;
        const end = m.index + m[0].length;
        resolve(buffered.slice(0, end));
        buffered = buffered.slice(end);
      };
      waiter = check;
      check();
    });
}

/**
 * A bare STARTTLS session that sends its EHLO inside TLS at once (as ehlo-exporter did before it
 * waited for the ticket), or holds it until the server's TLS 1.3 session ticket has arrived (or
 * 200 ms), so that EHLO's segment acknowledges it. Returns the ms from sending that EHLO to its reply.
 */
async function bareEhloTls(port: number, ca: string, when: 'at once' | 'after the ticket'): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  const plainReply = replies(socket);
  await plainReply();
  socket.write('EHLO ticket.example\r\n');
  await plainReply();
  socket.write('STARTTLS\r\n');
  await plainReply();
  socket.removeAllListeners('data');
  const secure = tls.connect({ socket, ca, servername: 'localhost' });
  const ticket = new Promise((r) => secure.once('session', r));
  await new Promise((r) => secure.once('secureConnect', r));
  const reply = replies(secure);
  if (when === 'after the ticket') {
    await Promise.race([ticket, new Promise((r) => setTimeout(r, 200))]);
    // Not from inside OpenSSL's ticket callback: writing there corrupts the record stream.
    await new Promise((r) => setImmediate(r));
  }
  const started = performance.now();
  secure.write('EHLO ticket.example\r\n');
  await reply();
  const ms = performance.now() - started;
  secure.write('QUIT\r\n');
  await reply();
  secure.destroy();
  return ms;
}

async function main(): Promise<void> {
  const why = postfixUnavailableReason();
  if (why !== null) {
    process.stderr.write(`postfix-tls: cannot run: ${why}\n`);
    process.exit(process.env.CI === 'true' ? 1 : 0);
  }
  const postfix = await startPostfix({ messageSizeLimit: 10_240_000 });
  try {
    const cases: Array<{ name: string; settings: Record<string, string> }> = [
      { name: 'TLS 1.2', settings: { smtpd_tls_protocols: '>=TLSv1.2, <=TLSv1.2' } },
      { name: 'TLS 1.3', settings: { smtpd_tls_protocols: '>=TLSv1.3' } },
      // NO_TICKET does not stop TLS 1.3 tickets: OpenSSL then issues stateful ones, and the second
      // leaves only after the server has read our EHLO, so the reply waits behind it all the same.
      { name: 'TLS 1.3, Postfix with NO_TICKET', settings: { smtpd_tls_protocols: '>=TLSv1.3', smtpd_tls_session_cache_timeout: '0', tls_ssl_options: 'NO_TICKET' } },
    ];
    const rows: string[] = [`| Postfix ${COUNT} probes each, median ms | ${PHASES.join(' | ')} | negotiated |`, `|---|${PHASES.map(() => '---').join('|')}|---|`];
    for (const c of cases) {
      process.stderr.write(`postfix-tls: ${c.name}\n`);
      await postfix.reconfigure(c.settings);
      await new Promise((r) => setTimeout(r, 1500)); // reload reaches new smtpd processes
      const results: ProbeResult[] = [];
      for (let i = 0; i < COUNT; i++) {
        results.push(await probeTarget({ target: `127.0.0.1:${postfix.port}`, host: '127.0.0.1', port: postfix.port }, {
          heloName: 'bench.ehlo-exporter.test', starttls: 'required', implicitTls: false, timeoutSeconds: 10,
          tls: { serverName: 'localhost', ca: postfix.certificatePem, failOnVerifyError: true, minVersion: 'TLSv1.2' },
        }));
      }
      const failed = results.filter((r) => !r.success);
      if (failed.length > 0) throw new Error(`${c.name}: ${failed.length} probes failed: ${failed[0]!.error?.message}`);
      rows.push(`| ehlo-exporter, ${c.name} | ${PHASES.map((p) => median(results, p).toFixed(2)).join(' | ')} | ${results[0]!.tls?.version} |`);
      process.stderr.write(`postfix-tls: ${c.name}: ${results.length} probes done\n`);
      for (const when of ['at once', 'after the ticket'] as const) {
        const ms: number[] = [];
        for (let i = 0; i < Math.min(COUNT, 20); i++) ms.push(await bareEhloTls(postfix.port, postfix.certificatePem, when));
        ms.sort((a, b) => a - b);
        rows.push(`| bare client, EHLO inside TLS sent ${when}, ${c.name} | ${PHASES.map((p) => (p === 'ehlo_tls' ? percentile(ms, 50).toFixed(2) : '')).join(' | ')} | |`);
      }
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await postfix.stop();
  }
}

await main();
