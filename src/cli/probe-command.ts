// `ehlo-exporter probe HOST[:PORT]`: one probe by hand, for a person (default) or a program (--json);
// `ehlo-exporter probe DOMAIN --mx`: every address of every MX host of a domain (probe-domain.ts).
// Exit codes: 0 every probe succeeded (or a null MX), 1 a lookup or a probe failed, 2 the command line was wrong.
import { parseArgs } from 'node:util';
import { readCaBundle } from '../config/ca-bundle.js';
import { formatDuration, MAX_TIMEOUT_SECONDS, readDuration } from '../config/duration.js';
import { lookupDane } from '../discovery/dane-lookup.js';
import { createDnsLookup, type DnsLookup } from '../discovery/dns-lookup.js';
import { refreshMtaSts } from '../discovery/mta-sts.js';
import { createSecureDnsClient } from '../discovery/secure-dns.js';
import { resolveHost } from '../discovery/resolve-domain.js';
import type { ProbeOptions } from '../probe/probe-options.js';
import type { ProbeResult } from '../probe/probe-result.js';
import { parseTargetAddress, type TargetAddress } from '../probe/target-address.js';
import type { StartTlsMode } from '../smtp/types.js';
import { formatDomainReport } from './format-domain-report.js';
import { formatProbeResult } from './format-probe-result.js';
import { domainExitCode, probeDomain } from './probe-domain.js';
import { probeJson } from './probe-json.js';

export const PROBE_USAGE =
  'usage: ehlo-exporter probe HOST[:PORT] [--starttls auto|never|required] [--tls implicit] [--helo-name NAME] ' +
  '[--timeout 10s] [--tls-server-name NAME] [--ca-file FILE] [--fail-on-verify-error] [--insecure] [--dns-server HOST:PORT] [--json] [--transcript]\n' +
  '       ehlo-exporter probe DOMAIN[:PORT] --mx [--policy] [--dns-server HOST:PORT] [same options] [--json]';

/** Seconds per DNS query attempt on the command line. */
const CLI_DNS_TIMEOUT_SECONDS = 5;

export interface ProbeCommandDeps {
  probe: (target: TargetAddress, options: ProbeOptions) => Promise<ProbeResult>;
  defaultHeloName: () => string;
  out: (text: string) => void;
  err: (text: string) => void;
  nowSeconds: () => number;
  /** A resolver over these servers (empty: the system's); default node:dns. */
  lookup?: (servers: readonly string[]) => DnsLookup;
  /** Where a progress line goes while a --mx run probes (main.ts passes it only on a terminal). */
  progress?: (text: string) => void;
}

class UsageError extends Error {}

const STARTTLS_MODES: readonly StartTlsMode[] = ['auto', 'never', 'required'];

interface ProbeRequest {
  target: TargetAddress;
  options: ProbeOptions;
  json: boolean;
  transcript: boolean;
  mx: boolean;
  /** --policy: MTA-STS and DANE per MX host and address (with --mx). */
  policy: boolean;
  /** --ca-file's text: trusted by the probes and, with --policy, by the MTA-STS policy fetch. */
  ca: string | null;
  dnsServers: string[];
}

function parse(argv: string[], deps: ProbeCommandDeps): ProbeRequest {
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
        'fail-on-verify-error': { type: 'boolean', default: false },
        mx: { type: 'boolean', default: false },
        policy: { type: 'boolean', default: false },
        'dns-server': { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        transcript: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing HOST[:PORT]' : `one target at a time, got ${positionals.length}`);
  if (values.insecure && values['fail-on-verify-error']) throw new UsageError('--insecure and --fail-on-verify-error contradict each other');
  const dnsServers = values['dns-server'];
  for (const server of dnsServers) {
    try {
      parseTargetAddress(server, 53);
    } catch (error) {
      throw new UsageError(`--dns-server: ${(error as Error).message}`);
    }
  }
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
  if (values.mx && target.host.match(/^[\d.]+$|:/)) throw new UsageError(`--mx takes a mail domain, got the address ${target.host}`);
  if (values.policy && !values.mx) throw new UsageError('--policy checks a mail domain\'s MTA-STS and DANE: use it with --mx');
  const options: ProbeOptions = {
    heloName: values['helo-name'] ?? deps.defaultHeloName(),
    starttls,
    implicitTls: values.tls === 'implicit' || (values.tls === undefined && target.port === 465),
    timeoutSeconds,
    // The exporter's default (tls.fail_on_verify_error: false): port 25 TLS between MTAs is
    // opportunistic (RFC 7435) and most MX certificates do not verify for the name dialled, so the
    // result is recorded (verified, verify_error), not a failure. --insecure is the old spelling.
    tls: { serverName: values['tls-server-name'] ?? null, ca, failOnVerifyError: values['fail-on-verify-error'] },
  };
  return { target, options, json: values.json, transcript: values.transcript, mx: values.mx, policy: values.policy, ca, dnsServers };
}

const defaultLookup = (servers: readonly string[]) => createDnsLookup({ servers, timeoutSeconds: CLI_DNS_TIMEOUT_SECONDS });

async function runDomain(request: ProbeRequest, deps: ProbeCommandDeps): Promise<number> {
  const lookup = (deps.lookup ?? defaultLookup)(request.dnsServers);
  const progress = deps.progress;
  const policy = !request.policy
    ? undefined
    : {
        refreshMtaSts,
        lookupDane,
        // The same servers as the MX lookup: they must validate DNSSEC for DANE to apply.
        secureDns: createSecureDnsClient({ servers: request.dnsServers, timeoutMs: CLI_DNS_TIMEOUT_SECONDS * 1000 }),
        ca: request.ca,
        timeoutMs: request.options.timeoutSeconds * 1000,
        nowSeconds: Math.floor(deps.nowSeconds()),
      };
  const report = await probeDomain(request.target.host, request.target.port, request.options, {
    lookup,
    probe: deps.probe,
    policy,
    progress: progress === undefined ? undefined : (done, total) => progress(`\rprobed ${done} of ${total} addresses${done === total ? '\n' : ''}`),
  });
  deps.out(request.json ? JSON.stringify(report, null, 2) + '\n' : formatDomainReport(report, deps.nowSeconds()));
  return domainExitCode(report);
}

/** With --dns-server, a host name is resolved there and its first address dialled (TLS still names the host). */
async function withDnsServer(request: ProbeRequest, deps: ProbeCommandDeps): Promise<TargetAddress | { error: string }> {
  const { target } = request;
  if (request.dnsServers.length === 0 || /^[\d.]+$|:/.test(target.host)) return target;
  const { host } = await resolveHost((deps.lookup ?? defaultLookup)(request.dnsServers), target.host, 0);
  const first = host.addresses[0];
  if (first === undefined) return { error: host.error?.message ?? `${target.host}: no address` };
  return { ...target, dial: first.address };
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
  if (request.mx) return runDomain(request, deps);
  const target = await withDnsServer(request, deps);
  if ('error' in target) {
    deps.err(`ehlo-exporter probe: DNS lookup failed: ${target.error}\n`);
    return 1;
  }
  const result = await deps.probe(target, request.options);
  if (request.json) {
    // The JSON contract always carries the transcript; --transcript only changes the text output.
    deps.out(JSON.stringify(probeJson(result), null, 2) + '\n');
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
