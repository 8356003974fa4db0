// Prometheus alone: a loopback server that answers every scrape at once with the same gzip bytes,
// so that a fresh Prometheus scraping it spends its scrape_duration_seconds on nothing but its own
// work (reading, decompressing, parsing and storing the samples). Beside the exporter's own paused
// scrapes of the same text, it says how much of a scrape is the exporter's and how much is the
// floor that this Prometheus on this machine sets for that many samples.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, gzipSync } from 'node:zlib';

export interface StaticExposition {
  /** host:port for Prometheus's static_configs. */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves `text` (an exposition in the text format) gzip-compressed, as promhttp's BestSpeed does. */
export async function serveStaticExposition(text: string): Promise<StaticExposition> {
  const gzipped = gzipSync(text, { level: constants.Z_BEST_SPEED });
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Encoding': 'gzip',
      'Content-Length': gzipped.length,
    });
    res.end(gzipped);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
