// JSON API of watched domains (issue 10): what DNS said last, the set being probed, and each
// domain's MX/address change history (kept in the store next to the targets' histories).
import type { FastifyInstance } from 'fastify';
import type { DaneLookup } from '../discovery/dane-lookup.js';
import type { MtaStsStatus } from '../discovery/mta-sts.js';
import type { DnsFailureReason, DomainResolution } from '../discovery/resolve-domain.js';
import type { ChangeEvent, TargetState } from '../state/types.js';
import { HttpError } from './errors.js';
import { DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT, MAX_TARGET_LENGTH } from './limits.js';

export interface DomainSummary {
  domain: string;
  group: string;
  /** The set being probed (the last good lookup while fresh enough), null when there is none. */
  current: DomainResolution | null;
  /** The latest lookup's outcome, good or not; null before the first. */
  last_lookup: DomainResolution | null;
  /** Unix seconds. */
  last_lookup_at: number | null;
  lookup_success: boolean | null;
  failure_counts: Partial<Record<DnsFailureReason, number>>;
  change_counts: TargetState['change_counts'];
  last_change_at: number | null;
  /** The last mail TLS policy check (issue 11); null with policy off or before the first check. */
  policy: {
    mta_sts: MtaStsStatus | null;
    /** Each MX host's last TLSA lookup. */
    dane: (DaneLookup & { host: string })[];
    fetch_failure_counts: Readonly<Partial<Record<string, number>>>;
    /** Unix seconds. */
    checked_at: number | null;
  } | null;
}

export interface DomainDeps {
  domains(): readonly DomainSummary[];
  domainChanges(domain: string, limit: number): ChangeEvent[];
}

export function registerDomainRoutes(app: FastifyInstance, deps: DomainDeps): void {
  app.get('/api/v1/domains', { schema: { querystring: { type: 'object', properties: {}, additionalProperties: false } } }, async () => ({
    domains: deps.domains(),
  }));

  app.get<{ Params: { domain: string }; Querystring: { limit?: number } }>(
    '/api/v1/domains/:domain/changes',
    {
      schema: {
        params: { type: 'object', required: ['domain'], properties: { domain: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH } } },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_CHANGES_LIMIT } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { domain } = request.params;
      if (!deps.domains().some((d) => d.domain === domain)) throw new HttpError('ERR_TARGET_UNKNOWN', `no watched domain named "${domain}"`);
      const limit = request.query.limit ?? DEFAULT_CHANGES_LIMIT;
      return { domain, limit, changes: deps.domainChanges(domain, limit).slice(0, limit) };
    },
  );
}
