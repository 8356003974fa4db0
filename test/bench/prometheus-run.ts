// A real Prometheus (Debian's, on loopback) scraping ehlo-exporter's /metrics during a scenario as
// production does: every 15 s, with the scrape_timeout and sample_limit the README advises for the
// fleet's size, gzip negotiated by Prometheus itself. The figures come from Prometheus's own
// series about its scrapes (up, scrape_duration_seconds, scrape_samples_scraped and, with
// --enable-feature=extra-scrape-metrics, scrape_body_size_bytes), read through its HTTP API; it
// scrapes through a relay (scrape-relay.ts) that times the exporter's part of each scrape.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';
import { PROMETHEUS_BIN, startDaemon } from '../support/prometheus-stack.js';
import { startScrapeRelay } from './scrape-relay.js';
import { matrixSamples, scrapeFigures, type PrometheusScrapeFigures, type Sample } from './prometheus-answer.js';

export const SCRAPE_INTERVAL_SECONDS = 15;
/** Prometheus's default, which the README's sizing keeps up to 50,000 targets on one exporter. */
export const SCRAPE_TIMEOUT_SECONDS = 10;
const JOB = 'ehlo-exporter';

/** The README's sample_limit: 60 series a target (a well-equipped relay has ~50) and 1,000 for the exporter's own. */
export function sampleLimitFor(targets: number): number {
  return targets * 60 + 1_000;
}

export interface BenchPrometheus {
  /** Prometheus's figures about its scrapes of the exporter between two Unix times in ms. */
  figures(fromMs: number, toMs: number): Promise<PrometheusScrapeFigures>;
  stop(): Promise<void>;
}

/** Prometheus with its config written, scraping `scraped` every SCRAPE_INTERVAL_SECONDS. */
async function startScrapedPrometheus(dir: string, scraped: string, targets: number) {
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, stringify({
    global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, scrape_timeout: `${SCRAPE_TIMEOUT_SECONDS}s` },
    scrape_configs: [{ job_name: JOB, sample_limit: sampleLimitFor(targets), static_configs: [{ targets: [scraped] }] }],
  }));
  const port = await freePort();
  return startDaemon('Prometheus', PROMETHEUS_BIN, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=extra-scrape-metrics',
  ], `http://127.0.0.1:${port}`);
}

export async function startBenchPrometheus(dir: string, exporter: string, targets: number): Promise<BenchPrometheus> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const relay = await startScrapeRelay(exporter);
  const daemon = await startScrapedPrometheus(dir, relay.address, targets).catch(async (error: unknown) => {
    await relay.close();
    throw error;
  });
  const samples = async (metric: string, fromMs: number, toMs: number): Promise<Sample[]> => {
    const query = `${metric}{job="${JOB}"}[${Math.ceil((toMs - fromMs) / 1000)}s]`;
    const params = new URLSearchParams({ query, time: String(toMs / 1000) });
    const res = await fetch(`${daemon.url}/api/v1/query?${params.toString()}`, { signal: AbortSignal.timeout(15_000) });
    return matrixSamples(query, await res.json());
  };
  return {
    async figures(fromMs, toMs) {
      const [up, duration, scraped, body] = await Promise.all(
        ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_body_size_bytes'].map((m) => samples(m, fromMs, toMs)),
      );
      return scrapeFigures(up!, duration!, scraped!, body!, relay.answerSeconds(fromMs, toMs));
    },
    async stop() {
      await daemon.stop();
      await relay.close();
    },
  };
}
