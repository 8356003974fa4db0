// createApp() on a config file and a state store in one test directory, as the in-process tests run it.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createApp, type App } from '../../src/app.js';

export function createAppInDir(dir: string, logger: Logger): Promise<App> {
  return createApp({
    configFile: join(dir, 'ehlo-exporter.yml'),
    storagePath: join(dir, 'state.db'),
    defaultHeloName: 'probe.ehlo-exporter.test',
    version: 'test',
    nodeVersion: process.version,
    logger,
  });
}
