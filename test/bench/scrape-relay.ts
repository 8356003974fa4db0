// A TCP relay in front of the exporter, through which the bench's Prometheus scrapes it. Prometheus's
// scrape_duration_seconds covers reading the body and also parsing and storing every sample; the
// relay times the exporter's part: from a request's arrival to the last byte of its answer. It
// passes Prometheus's reading pace back to the exporter, so an answer larger than the loopback
// socket buffers (the 6.8 MB gzip body of 50,000 targets) ends no sooner than Prometheus reads it.
// Prometheus sends one request at a time on a kept-alive connection, so an answer is every byte the
// exporter sends between one request and the next (or the connection's end), or until it has been
// quiet for QUIET_MS: the body is sent in slices a few ms apart (src/http/paced-body.ts), so an
// answer that quiet has ended, and the figures can be read while Prometheus keeps its connection.
import { connect, createServer, type Socket } from 'node:net';

const QUIET_MS = 1000;

interface Answer {
  /** Unix ms at the request's first byte. */
  readonly requestedAt: number;
  readonly startMono: number;
  /** Monotonic ms at the answer's last byte so far; null before its first. */
  lastByteMono: number | null;
  /** No more bytes can belong to it: the next request came, or the connection ended. */
  done: boolean;
}

export interface ScrapeRelay {
  /** host:port to scrape instead of the exporter. */
  readonly address: string;
  /** Seconds from request to last byte of each ended answer whose request came in [fromMs, toMs). */
  answerSeconds(fromMs: number, toMs: number): number[];
  close(): Promise<void>;
}

export async function startScrapeRelay(upstream: string): Promise<ScrapeRelay> {
  const colon = upstream.lastIndexOf(':');
  const host = upstream.slice(0, colon);
  const port = Number(upstream.slice(colon + 1));
  const answers: Answer[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const exporter = connect(port, host);
    sockets.add(client).add(exporter);
    let current: Answer | null = null;
    client.on('data', (bytes) => {
      // A request's later segments belong to it until the exporter has begun to answer.
      if (current === null || current.lastByteMono !== null) {
        if (current !== null) current.done = true;
        current = { requestedAt: Date.now(), startMono: performance.now(), lastByteMono: null, done: false };
        answers.push(current);
      }
      exporter.write(bytes);
    });
    exporter.on('data', (bytes) => {
      if (current !== null) current.lastByteMono = performance.now();
      // Prometheus's pace reaches the exporter as it would without the relay.
      if (!client.write(bytes)) exporter.pause();
    });
    client.on('drain', () => exporter.resume());
    const end = () => {
      if (current !== null) current.done = true;
      client.destroy();
      exporter.destroy();
      sockets.delete(client);
      sockets.delete(exporter);
    };
    for (const socket of [client, exporter]) socket.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as { port: number };

  return {
    address: `127.0.0.1:${relayPort}`,
    answerSeconds(fromMs, toMs) {
      return answers
        .filter((a) => a.requestedAt >= fromMs && a.requestedAt < toMs && a.lastByteMono !== null && (a.done || performance.now() - a.lastByteMono >= QUIET_MS))
        .map((a) => (a.lastByteMono! - a.startMono) / 1000);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
