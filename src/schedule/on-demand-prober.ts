// /probe?target=…: a blackbox-style probe on request. Only configured targets by default, so the
// exporter cannot be used as an open relay to probe (or attack) arbitrary hosts; an allowlist
// checked against the *resolved* addresses widens that. Rate-limited, and polite like the schedule.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ExporterConfig, ProbeEndpointSettings, TargetConfig } from '../config/types.js';
import { isAllowed, parseAllowList, type AllowList } from '../config/probe-allow-list.js';
import type { ProbeOptions } from '../probe/probe-options.js';
import type { ProbeResult } from '../probe/probe-result.js';
import { parseTargetAddress, type TargetAddress } from '../probe/target-address.js';
import { TokenBuckets, type BucketRates } from '../rate-limit/token-buckets.js';
import type { OnDemandOutcome } from '../state/on-demand-outcome.js';
import { probeOptionsFor, targetAddressOf, type CaBundles } from './target-probe-options.js';

export interface OnDemandDeps {
  probe: (target: TargetAddress, options: ProbeOptions) => Promise<ProbeResult>;
  /** Seconds a configured target still backs off after a 421 (0 when it may be probed). */
  backoffSeconds: (targetName: string) => number;
  resolve?: (host: string) => Promise<string[]>;
  now?: () => number;
}

/** The shortest timeout a probe is given when the scrape's budget is (nearly) spent. */
const MIN_PROBE_SECONDS = 0.001;

/** Probes per minute, as configured: a bucket holds one minute's allowance. */
function ratesOf(e: ProbeEndpointSettings): BucketRates {
  return {
    perKey: { capacity: e.per_target_per_minute, refillPerSecond: e.per_target_per_minute / 60 },
    total: { capacity: e.total_per_minute, refillPerSecond: e.total_per_minute / 60 },
  };
}

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

export class OnDemandProber {
  private config: ExporterConfig;
  private ca: CaBundles;
  private allow: AllowList;
  private readonly buckets: TokenBuckets;
  /**
   * The configured targets by name and by host:port, built at the first /probe after a (re)load:
   * two maps of every target, ~1.4 MiB at 10,000 with their keys, for an endpoint most deployments
   * never call.
   */
  private index: { byName: Map<string, TargetConfig>; byAddress: Map<string, TargetConfig> } | null = null;

  constructor(config: ExporterConfig, ca: CaBundles, private readonly deps: OnDemandDeps) {
    this.config = config;
    this.ca = ca;
    this.allow = parseAllowList(config.probe_endpoint.allow);
    this.buckets = this.newBuckets();
  }

  /** Swap in a new config (after a successful reload); the rate limits' state carries over. */
  apply(config: ExporterConfig, ca: CaBundles): void {
    this.config = config;
    this.ca = ca;
    this.allow = parseAllowList(config.probe_endpoint.allow);
    this.buckets.setRates(ratesOf(config.probe_endpoint));
    this.index = null;
  }

  /**
   * `maxSeconds` bounds everything from here to the probe's end, the allow-list lookup included:
   * the probe's timeout is the configured one or what is left of `maxSeconds`, whichever is shorter.
   */
  async probe(input: string, maxSeconds = Infinity): Promise<OnDemandOutcome> {
    // A configured name comes first: names such as `eu/mx1` or `v6` are not host[:port] at all.
    const index = this.targetIndex();
    let configured = index.byName.get(input);
    const now = this.deps.now ?? Date.now;
    const started = now();
    const within = (options: ProbeOptions): ProbeOptions => {
      const left = maxSeconds - (now() - started) / 1000;
      // A lookup that ate the whole budget still gets a probe, which times out at once, so the
      // answer is a failed probe in time rather than none.
      return left >= options.timeoutSeconds ? options : { ...options, timeoutSeconds: Math.max(left, MIN_PROBE_SECONDS) };
    };
    let address: TargetAddress;
    if (configured !== undefined) {
      address = targetAddressOf(configured);
    } else {
      try {
        address = parseTargetAddress(input, 25);
      } catch (error) {
        return { status: 'invalid', message: (error as Error).message };
      }
      configured = index.byAddress.get(`${address.host.toLowerCase()}:${address.port}`);
    }
    let checkedAddress: string | null = null;
    if (!configured) {
      const verdict = await this.checkUnconfigured(address);
      if (!verdict.ok) return { status: 'forbidden', message: verdict.refusal };
      checkedAddress = verdict.address;
    }
    const key = configured?.name ?? address.target;
    const backoff = configured ? this.deps.backoffSeconds(configured.name) : 0;
    if (backoff > 0) {
      const seconds = Math.ceil(backoff);
      return { status: 'rate_limited', message: `${key} answered 421 recently; backing off for ${seconds} s more`, retryAfterSeconds: seconds };
    }
    const refusal = this.buckets.take(key);
    if (refusal !== null) {
      const e = this.config.probe_endpoint;
      const limit = refusal.by === 'key' ? `${e.per_target_per_minute}/min per target` : `${e.total_per_minute}/min in total`;
      const seconds = Number.isFinite(refusal.waitSeconds) ? Math.max(1, Math.ceil(refusal.waitSeconds)) : null;
      return { status: 'rate_limited', message: `too many on-demand probes of ${key} (limit: ${limit})`, retryAfterSeconds: seconds };
    }
    if (configured) {
      // Labelled by the configured name, exactly as /metrics labels the target's scheduled probes.
      const result = await this.deps.probe({ ...targetAddressOf(configured), target: configured.name }, within(probeOptionsFor(configured, this.ca)));
      return { status: 'ok', result, group: configured.group, expectations: configured.expectations };
    }
    // Connect to the address that was checked, never to the name again: a second lookup could
    // answer differently (DNS rebinding with a short TTL). The name stays the TLS server name.
    const options = this.optionsForUnconfigured(address);
    const tls = { ...options.tls, serverName: options.tls.serverName ?? address.host };
    const result = await this.deps.probe({ ...address, host: checkedAddress ?? address.host }, within({ ...options, tls }));
    return { status: 'ok', result };
  }

  /** Allowed: the (first) resolved address, every one of which passed the allow list. */
  private async checkUnconfigured(address: TargetAddress): Promise<{ ok: true; address: string } | { ok: false; refusal: string }> {
    if (this.config.probe_endpoint.allow.length === 0) {
      return { ok: false, refusal: `${address.target} is not a configured target; list it in the config or allow it under probe_endpoint.allow` };
    }
    let addresses: string[];
    try {
      addresses = isIP(address.host) !== 0 ? [address.host] : await (this.deps.resolve ?? resolveAll)(address.host);
    } catch (error) {
      return { ok: false, refusal: `cannot resolve ${address.host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    const verdict = isAllowed(this.allow, address.host, addresses);
    if (!verdict.allowed || addresses[0] === undefined) return { ok: false, refusal: `${address.target} is not allowed: ${verdict.reason}` };
    return { ok: true, address: addresses[0] };
  }

  private optionsForUnconfigured(address: TargetAddress): ProbeOptions {
    const d = this.config.defaults;
    return {
      heloName: d.helo_name,
      starttls: d.starttls,
      implicitTls: address.port === 465 || d.implicit_tls,
      timeoutSeconds: d.timeout_seconds,
      tls: { serverName: d.tls.server_name, ca: d.tls.ca_file ? (this.ca.get(d.tls.ca_file) ?? null) : null, failOnVerifyError: d.tls.fail_on_verify_error, minVersion: d.tls.min_version },
    };
  }

  private targetIndex(): NonNullable<OnDemandProber['index']> {
    this.index ??= {
      byName: new Map(this.config.targets.map((t) => [t.name, t])),
      byAddress: new Map(this.config.targets.map((t) => [`${t.host.toLowerCase()}:${t.port}`, t])),
    };
    return this.index;
  }

  private newBuckets(): TokenBuckets {
    return new TokenBuckets({ ...ratesOf(this.config.probe_endpoint), now: this.deps.now ?? Date.now });
  }
}
