// The status pages: / (fleet), /matrix, /targets/<target>, /changes, and their two static assets.
// Server-rendered HTML from the same readers /api uses; nothing here opens an SMTP session ("probe
// now" on the target page calls /probe from the browser).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CHANGE_KINDS, type ChangeEvent, type ChangeKind, type StoredTranscript } from '../state/types.js';
import { evaluateExpectations } from '../state/expectations.js';
import { changesView, DEFAULT_CHANGES_SHOWN, MAX_CHANGES_SHOWN } from './changes-view.js';
import { HttpError } from './errors.js';
import { fleetRow, type FleetReaders } from './fleet-rows.js';
import { fleetPage, fleetView, MAX_PAGE_SIZE, SORT_KEYS, STATUS_FILTERS, type FleetQuery } from './fleet-view.js';
import { MAX_TARGET_LENGTH, STATUS_RENDER_BUDGET } from './limits.js';
import { matrixGroup, matrixView } from './matrix-view.js';
import { RenderBudget } from './render-budget.js';
import type { HttpDeps } from './server.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';
import { STATUS_CSP, statusPage, type Section } from './status-layout.js';
import { targetView } from './target-view.js';

/** What the status pages read besides the targets and their change histories. */
export interface StatusReaders extends FleetReaders {
  /** The fleet's latest change events, newest first, optionally of one kind. */
  recentChanges(limit: number, kind?: ChangeKind): ChangeEvent[];
  /** The target's stored transcripts, newest first. */
  transcripts(target: string): StoredTranscript[];
  /** Unix seconds. */
  now(): number;
}

/** Change events on a target page's timeline. */
const TIMELINE_LENGTH = 50;
const MAX_TEXT = 200;

const page = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;
const text = { type: 'string', maxLength: MAX_TEXT } as const;
const query = (properties: Record<string, object>) => ({ type: 'object', properties, additionalProperties: false }) as const;

function sendPage(reply: FastifyReply, title: string, section: Section, body: Parameters<typeof statusPage>[2]): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', STATUS_CSP).send(statusPage(title, section, body));
}

export function registerStatusRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const readers = deps.status;
  const budget = new RenderBudget(deps.statusRenderBudget ?? STATUS_RENDER_BUDGET);

  app.get<{ Querystring: FleetQuery }>(
    '/',
    {
      schema: {
        querystring: query({
          group: text,
          status: { type: 'string', enum: STATUS_FILTERS },
          q: text,
          sort: { type: 'string', enum: SORT_KEYS },
          dir: { type: 'string', enum: ['asc', 'desc'] },
          page,
          per: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
        }),
      },
    },
    async (request, reply) =>
      budget.run(request, reply, () => {
        const now = readers.now();
        const p = fleetPage(deps.targets(), readers, request.query, now);
        return sendPage(reply, 'Fleet', 'fleet', fleetView(p, request.query, now));
      }),
  );

  app.get<{ Querystring: { group?: string; page?: number } }>(
    '/matrix',
    { schema: { querystring: query({ group: text, page }) } },
    async (request, reply) =>
      budget.run(request, reply, () => {
        const now = readers.now();
        const byGroup = new Map<string, ReturnType<typeof fleetRow>[]>();
        for (const s of deps.targets()) {
          const rows = byGroup.get(s.group) ?? [];
          rows.push(fleetRow(s, readers, now));
          byGroup.set(s.group, rows);
        }
        const groups = [...byGroup.keys()].sort();
        const name = request.query.group || groups[0];
        if (name !== undefined && !byGroup.has(name)) throw new HttpError('ERR_NOT_FOUND', `no group named "${name}"`);
        const m = name === undefined ? null : matrixGroup(name, byGroup.get(name)!.sort((a, b) => (a.target < b.target ? -1 : 1)), request.query.page ?? 1);
        return sendPage(reply, 'Matrix', 'matrix', matrixView(groups, m));
      }),
  );

  app.get<{ Querystring: { kind?: ChangeKind | ''; limit?: number } }>(
    '/changes',
    { schema: { querystring: query({ kind: { type: 'string', enum: ['', ...CHANGE_KINDS] }, limit: { type: 'integer', minimum: 1, maximum: MAX_CHANGES_SHOWN } }) } },
    async (request, reply) =>
      budget.run(request, reply, () => {
        const kind = request.query.kind || undefined;
        const limit = request.query.limit ?? DEFAULT_CHANGES_SHOWN;
        return sendPage(reply, 'Changes', 'changes', changesView(readers.recentChanges(limit, kind), kind, limit));
      }),
  );

  app.get<{ Params: { target: string } }>(
    '/targets/:target',
    { schema: { params: { type: 'object', required: ['target'], properties: { target: { type: 'string', minLength: 1, maxLength: MAX_TARGET_LENGTH } } } } },
    async (request, reply) =>
      budget.run(request, reply, () => {
        const { target } = request.params;
        const state = deps.targets().find((t) => t.target === target);
        if (state === undefined) throw new HttpError('ERR_TARGET_UNKNOWN', `no configured target named "${target}"`);
        const now = readers.now();
        const expect = readers.expectations(target);
        const body = targetView({
          state,
          row: fleetRow(state, readers, now),
          verdicts: expect === undefined || state.last_result === null ? {} : evaluateExpectations(expect, state.last_result),
          changes: deps.changes(target, TIMELINE_LENGTH),
          transcripts: readers.transcripts(target),
          nowSeconds: now,
        });
        return sendPage(reply, target, 'target', body);
      }),
  );

  const assets = new Map([
    [`style-${STATUS_CSS.hash}.css`, STATUS_CSS],
    [`script-${STATUS_JS.hash}.js`, STATUS_JS],
  ]);
  app.get<{ Params: { file: string } }>('/status/:file', async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) throw new HttpError('ERR_NOT_FOUND', `no status page asset ${request.params.file}`);
    reply.header('etag', asset.etag).header('cache-control', 'public, max-age=31536000, immutable');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
