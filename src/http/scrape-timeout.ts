// Prometheus tells a scraped target how long it will wait (X-Prometheus-Scrape-Timeout-Seconds); a
// /probe that takes longer is wasted, and a slow MX would turn every scrape into a timeout with no
// answer at all. As blackbox_exporter does, the probe gets the scrape's timeout less an offset for
// the HTTP round trip, or its configured timeout when that is shorter.

export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';

/** blackbox_exporter's default --timeout-offset. */
export const SCRAPE_TIMEOUT_OFFSET_SECONDS = 0.5;

/**
 * The longest a probe may run for a scrape that waits `header` seconds; undefined without the
 * header (the configured timeout applies); a message naming the header when it is not a positive
 * number. Unlike blackbox_exporter, a scrape timeout at or below the offset still bounds the probe
 * (to half of it) instead of falling back to the configured timeout: a probe never outlives the scrape.
 */
export function probeBudgetSeconds(header: string | string[] | undefined): number | undefined | { error: string } {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  const seconds = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    return { error: `header X-Prometheus-Scrape-Timeout-Seconds must be a positive number of seconds, got "${text.slice(0, 40)}"` };
  }
  return Math.max(seconds - SCRAPE_TIMEOUT_OFFSET_SECONDS, seconds / 2);
}
