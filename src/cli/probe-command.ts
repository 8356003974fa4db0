// `ehlo-exporter probe HOST[:PORT]`: one probe by hand, for a person (default) or a program (--json).
// Exit codes: 0 the probe succeeded, 1 it failed, 2 the command line was wrong.
import { parseArgs } from 'node:util';
import { readCaBundle } from '../config/ca-bundle.js';
import { formatDuration, MAX_TIMEOUT_SECONDS, readDuration } from '../config/duration.js';
import type { ProbeOptions } from '../probe/probe-options.js';
import { toProbeJson, type ProbeResult } from '../probe/probe-result.js';
import { parseTargetAddress, type TargetAddress } from '../probe/target-address.js';
import type { StartTlsMode } from '../smtp/types.js';
import { formatProbeResult } from './format-probe-result.js';

export const PROBE_USAGE =
  'usage: ehlo-exporter probe HOST[:PORT] [--starttls auto|never|required] [--tls implicit] [--helo-name NAME] ' +
  '[--timeout 10s] [--tls-server-name NAME] [--ca-file FILE] [--insecure] [--json] [--transcript]';

export interface ProbeCommandDeps {
  probe: (target: TargetAddress, options: ProbeOptions) => Promise<ProbeResult>;
  defaultHeloName: () => string;
  out: (text: string) => void;
  err: (text: string) => void;
  nowSeconds: () => number;
}

class UsageError extends Error {}

const STARTTLS_MODES: readonly StartTlsMode[] = ['auto', 'never', 'required'];

function parse(argv: string[], deps: ProbeCommandDeps): { target: TargetAddress; options: ProbeOptions; json: boolean; transcript: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        starttls: { type: 'string', default: 'auto' },
        tls: { type: 'string' },
        'helo-name': { type: 'string' },
        timeout: { type: 'string', default: '10s' },
        'tls-server-name': { type: 'string' },
        'ca-file': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        transcript: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing HOST[:PORT]' : `one target at a time, got ${positionals.length}`);
  let target: TargetAddress;
  try {
    target = parseTargetAddress(positionals[0]!, 25);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const starttls = values.starttls as StartTlsMode;
  if (!STARTTLS_MODES.includes(starttls)) throw new UsageError(`--starttls must be one of ${STARTTLS_MODES.join(', ')}, got "${values.starttls}"`);
  if (values.tls !== undefined && values.tls !== 'implicit') throw new UsageError(`--tls takes only "implicit", got "${values.tls}"`);
  const timeoutSeconds = timeoutOption(values.timeout);
  let ca: string | null = null;
  if (values['ca-file']) {
    try {
      ca = readCaBundle(values['ca-file']);
    } catch (error) {
      throw new UsageError(`cannot read --ca-file: ${(error as Error).message}`);
    }
  }
  const options: ProbeOptions = {
    heloName: values['helo-name'] ?? deps.defaultHeloName(),
    starttls,
    implicitTls: values.tls === 'implicit' || (values.tls === undefined && target.port === 465),
    timeoutSeconds,
    // Like curl: by hand, a certificate that does not verify fails the probe unless --insecure.
    tls: { serverName: values['tls-server-name'] ?? null, ca, failOnVerifyError: !values.insecure },
  };
  return { target, options, json: values.json, transcript: values.transcript };
}

export async function runProbeCommand(argv: string[], deps: ProbeCommandDeps): Promise<number> {
  let request;
  try {
    request = parse(argv, deps);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.err(`ehlo-exporter probe: ${error.message}\n${PROBE_USAGE}\n`);
    return 2;
  }
  const result = await deps.probe(request.target, request.options);
  if (request.json) {
    // The JSON contract always carries the transcript; --transcript only changes the text output.
    deps.out(JSON.stringify(toProbeJson(result), null, 2) + '\n');
  } else {
    deps.out(formatProbeResult(result, { transcript: request.transcript, nowSeconds: deps.nowSeconds() }));
  }
  return result.success ? 0 : 1;
}

/** --timeout: a positive duration no longer than the config's own timeout bound. */
function timeoutOption(text: string): number {
  const parsed = readDuration(text);
  if ('problem' in parsed) {
    if (parsed.problem === 'negative') throw new UsageError(`--timeout must be positive, got "${text}"`);
    if (parsed.problem === 'too_large') throw new UsageError(`--timeout must be at most ${formatDuration(MAX_TIMEOUT_SECONDS)}, got "${text}"`);
    throw new UsageError(`--timeout must be a duration such as 10s or 1m, got "${text}"`);
  }
  if (parsed.seconds === 0) throw new UsageError(`--timeout must be positive, got "${text}"`);
  if (parsed.seconds > MAX_TIMEOUT_SECONDS) throw new UsageError(`--timeout must be at most ${formatDuration(MAX_TIMEOUT_SECONDS)}, got "${text}"`);
  return parsed.seconds;
}
