// What the metrics layer reads at scrape time. The composition root implements it over the
// running config, the scheduler and the store; metrics never reach for those themselves.
import type { Expectations } from '../config/types.js';
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

export interface MetricsSource {
  /** The targets of the running config (removed targets must not be returned). */
  targets(): readonly TargetState[];
  expectations(target: string): Expectations | undefined;
  backoffSeconds(target: string): number;
  status(): ExporterStatus;
}
