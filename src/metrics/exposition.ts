// The /metrics body as chunks, so the HTTP layer can stream a large exposition.
import type { Registry } from 'prom-client';
import { SnapshotRegistry } from './snapshot-registry.js';

/** Concatenated, the chunks are exactly `registry.metrics()`, UTF-8 encoded. */
export async function expositionChunks(registry: Registry): Promise<Buffer[]> {
  if (registry instanceof SnapshotRegistry) return registry.metricsChunks();
  return [Buffer.from(await registry.metrics())];
}
