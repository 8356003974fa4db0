// The exporter's logger: pino (what fastify uses), JSON by default or logfmt, as Prometheus
// exporters offer with --log.format.
import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type LogFormat = 'json' | 'logfmt';
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logfmtValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

/** One pino JSON line → one logfmt line, `time` and `level` first as go-kit's logfmt does. */
export function jsonLineToLogfmt(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...rest } = record;
  const parts = [`ts=${new Date(Number(time)).toISOString()}`, `level=${logfmtValue(level)}`];
  for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${logfmtValue(value)}`);
  if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
  return parts.join(' ');
}

function logfmtStream(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        out.write(jsonLineToLogfmt(pending.slice(0, nl)) + '\n');
        pending = pending.slice(nl + 1);
      }
      done();
    },
  });
}

export function createLogger(options: { level: LevelWithSilent; format: LogFormat; destination: NodeJS.WritableStream }): Logger {
  const base = {
    level: options.level,
    base: undefined,
    // Level names, not numbers, so a person can read either format.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const stream = options.format === 'logfmt' ? logfmtStream(options.destination) : options.destination;
  return pino(base, stream);
}
