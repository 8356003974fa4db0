// What the metrics layer reads at scrape time. The composition root implements it over the
// running config, the scheduler and the store; metrics never reach for those themselves.
import type { DiscoveredFrom, Expectations } from '../config/types.js';
import type { TargetState } from '../state/types.js';

export interface ExporterStatus {
  version: string;
  /** The git revision and branch the build came from ("unknown" when left out or not known). */
  revision?: string;
  branch?: string;
  /** The Node.js version for the build_info `nodejs` label ("unknown" when left out): only main.ts reads process.*. */
  nodeVersion?: string;
  configReloadSuccessful: boolean;
  /** Unix seconds. */
  configLastSuccessTimestamp: number;
  targetsByGroup: Record<string, number>;
  probesInFlight: number;
  /** By group. */
  probesTotal: Record<string, number>;
  /** By group. */
  roundsMissed: Record<string, number>;
  /** By group. */
  latenessSeconds: Record<string, number>;
  storeErrors: number;
}

/** A watched domain's DNS view, for the smtp_domain_* series. */
export interface DomainStatus {
  domain: string;
  /** null before the first lookup finished. */
  lookupSuccess: boolean | null;
  mxHosts: number;
  addresses: { ipv4: number; ipv6: number };
  nullMx: boolean;
  implicitMx: boolean;
  /** By reason. */
  failures: Readonly<Partial<Record<string, number>>>;
  /** Unix seconds; null before the first lookup. */
  lastLookupAt: number | null;
}

export interface MetricsSource {
  /** The targets being probed, and the watched domains' change-count states; nothing removed by a reload. */
  targets(): readonly TargetState[];
  expectations(target: string): Expectations | undefined;
  /** Where a discovered target came from (same object while it is unchanged); undefined for configured targets. Absent: no discovery. */
  discovery?(target: string): DiscoveredFrom | undefined;
  /** undefined: not a probed target (a domain's change-count state), so no back-off series. */
  backoffSeconds(target: string): number | undefined;
  /** Absent: no watched domains. */
  domains?(): readonly DomainStatus[];
  status(): ExporterStatus;
}
