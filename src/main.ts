#!/usr/bin/env node
// The process edge: argv, environment, signals, exit codes. The only file that touches `process`.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { createApp } from './app.js';
import { runCheckConfig } from './cli/check-config-command.js';
import { runProbeCommand } from './cli/probe-command.js';
import { listenOn, parseListenAddress, type ListenAddress } from './http/listen.js';
import { createLogger, LOG_LEVELS, type LogFormat } from './logging/create-logger.js';
import { defaultHeloName } from './probe/probe-options.js';
import { probeTarget } from './probe/probe-target.js';
import { shardSpecProblem, type ShardSpec } from './schedule/shard.js';
import { readBuildInfo } from './version/build-info.js';

const DEFAULT_LISTEN_ADDRESS = ':9525';
/**
 * One core is the main thread's: it records every result, renders /metrics and serves scrapes. On
 * the bench's 2 cores (10,000 STARTTLS targets every 20 s), one worker instead of two took 230–238
 * MiB of RSS instead of 250–265, as little or less CPU per probe, and flat out (1,000 probes/s due)
 * completed as many probes (697/s against 702/s): the second worker only added a V8 heap.
 */
const DEFAULT_PROBE_WORKERS = Math.max(1, availableParallelism() - 1);
/** More threads than this buys nothing but memory (each is a V8 isolate of ~10 MiB). */
const MAX_PROBE_WORKERS = 256;

/**
 * How far V8 lets the old generation grow past what the last full collection kept: 30% instead of
 * its default of up to 4× for a program that allocates fast. The exporter's heap is mostly long-lived
 * state plus each probe's result, which lives one period and is then garbage: by default the heap
 * settled at ~2.5× its live size (145 MiB of old space for 58 MiB used at 10,000 STARTTLS targets);
 * at 30% the bench measured RSS 389 -> 267 MiB (with --max-semi-space-size=4) for the same CPU per
 * probe. V8 reads the flag at every collection, so setting it at start takes effect; it is global
 * to the process, so the probe workers' heaps follow it too.
 */
const HEAP_GROWING_PERCENT = 30;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const BUILD = readBuildInfo(dirname(fileURLToPath(import.meta.url)));

const USAGE = `usage: ehlo-exporter [flags]                 run the exporter
       ehlo-exporter probe HOST[:PORT] [...]   probe one server now (ehlo-exporter probe --help)
       ehlo-exporter probe DOMAIN --mx [...]   probe every address of every MX host of a domain now
       ehlo-exporter check-config FILE         validate a config file and print the resolved fleet

flags:
  --config.file=PATH         configuration file (default config/ehlo-exporter.yml)
  --web.listen-address=ADDR  address to serve /metrics on; repeat for several; :PORT is every
                             interface, IPv4 and IPv6 (default ${DEFAULT_LISTEN_ADDRESS})
  --web.config.file=PATH     TLS and basic auth for every endpoint (Prometheus exporter-toolkit format)
  --storage.path=PATH        SQLite state file, or :memory: (default data/ehlo-exporter.db)
  --log.level=LEVEL          ${LOG_LEVELS.join('|')} (default info)
  --log.format=FORMAT        logfmt|json (default logfmt)
  --shard.count=N            replicas splitting the config's targets (default 1)
  --shard.index=I            this replica, 0 to N-1 (default 0); each probes and exports only its share
  --probe.workers=N          threads running SMTP sessions and TLS handshakes, 0 to ${MAX_PROBE_WORKERS}; 0 runs
                             them on the main thread (default: one less than the cores available,
                             at least 1; ${DEFAULT_PROBE_WORKERS} here)
  --version                  print the version and exit
`;

function fail(message: string, code: number): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

/** Digits only: "1e1", " 2" or "0x1" are mistakes, not numbers. */
function parseShard(index: string, count: string): ShardSpec {
  const whole = (flag: string, text: string): number =>
    /^\d{1,9}$/.test(text) ? Number(text) : fail(`ehlo-exporter: --${flag} must be a whole number, got "${text}"`, 2);
  const spec = { index: whole('shard.index', index), count: whole('shard.count', count) };
  const problem = shardSpecProblem(spec);
  if (problem !== null) fail(`ehlo-exporter: --shard.index/--shard.count: ${problem}`, 2);
  return spec;
}

function parseProbeWorkers(text: string): number {
  const workers = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(workers <= MAX_PROBE_WORKERS)) fail(`ehlo-exporter: --probe.workers must be a whole number from 0 to ${MAX_PROBE_WORKERS}, got "${text}"`, 2);
  return workers;
}

async function serve(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'config.file': { type: 'string', default: 'config/ehlo-exporter.yml' },
        'web.listen-address': { type: 'string', multiple: true, default: [DEFAULT_LISTEN_ADDRESS] },
        'web.config.file': { type: 'string' },
        'storage.path': { type: 'string', default: 'data/ehlo-exporter.db' },
        'log.level': { type: 'string', default: 'info' },
        'log.format': { type: 'string', default: 'logfmt' },
        'shard.index': { type: 'string', default: '0' },
        'shard.count': { type: 'string', default: '1' },
        'probe.workers': { type: 'string', default: String(DEFAULT_PROBE_WORKERS) },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`ehlo-exporter: ${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) {
    return void process.stdout.write(`ehlo-exporter ${VERSION} (revision ${BUILD.revision}, branch ${BUILD.branch}, node ${process.version})\n`);
  }
  const level = values['log.level'] as (typeof LOG_LEVELS)[number];
  if (!LOG_LEVELS.includes(level)) fail(`ehlo-exporter: --log.level must be one of ${LOG_LEVELS.join(', ')}`, 2);
  const format = values['log.format'] as LogFormat;
  if (format !== 'json' && format !== 'logfmt') fail('ehlo-exporter: --log.format must be json or logfmt', 2);
  const listenTexts = values['web.listen-address'];
  const listen = listenTexts.map((text): ListenAddress => {
    const parsed = parseListenAddress(text);
    return typeof parsed === 'string' ? fail(`ehlo-exporter: ${parsed}`, 2) : parsed;
  });
  const shard = parseShard(values['shard.index'], values['shard.count']);
  const probeWorkers = parseProbeWorkers(values['probe.workers']);
  const logger = createLogger({ level, format, destination: process.stderr });
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);

  let app;
  try {
    app = await createApp({
      configFile: values['config.file'],
      storagePath: values['storage.path'],
      webConfigFile: values['web.config.file'],
      defaultHeloName: defaultHeloName(),
      version: VERSION,
      build: BUILD,
      nodeVersion: process.version,
      logger,
      shard,
      runtimeMetrics: true,
      probeWorkers,
    });
  } catch (error) {
    fail(`ehlo-exporter: ${(error as Error).message}`, 1);
  }
  try {
    const bound = await listenOn(app.server, listen, listenTexts);
    logger.info({ addresses: bound.join(',') }, 'listening');
  } catch (error) {
    await app.close();
    fail(`ehlo-exporter: ${(error as Error).message}`, 1);
  }

  process.on('SIGHUP', () => void app.reload());
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`ehlo-exporter: error while shutting down: ${(error as Error).message}`, 1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  // `check-config … | head -1`: a reader that went away ends the output, it is not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  const [command, ...rest] = argv;
  if (command === 'probe') {
    if (rest.includes('--help') || rest.includes('-h')) {
      const { PROBE_USAGE } = await import('./cli/probe-command.js');
      return void process.stdout.write(`${PROBE_USAGE}\n`);
    }
    process.exitCode = await runProbeCommand(rest, {
      probe: probeTarget,
      defaultHeloName,
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      nowSeconds: () => Date.now() / 1000,
      progress: process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined,
    });
    return;
  }
  if (command === 'check-config') {
    if (rest.length !== 1) fail('usage: ehlo-exporter check-config FILE', 2);
    process.exitCode = runCheckConfig(rest[0]!, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    return;
  }
  await serve(argv);
}

void main(process.argv.slice(2));
