/**
 * The audit viewer: a tab per trail (self-service, helpdesk, administration), newest first. It
 * shows the newest 1,000 entries of the tab; the search reaches the whole trail (username
 * regardless of case, action, outcome, source address, dates). Columns can be sorted, hidden
 * and resized, remembered per admin; the filtered result exports (streamed) to CSV, Excel, PDF.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contentType, EXPORT_FORMATS, type ExportFormat, exportAudit, fileExtension, isExportFormat } from '../../audit/export.ts';
import { ADMIN_ACTIONS, type AuditRecorder, HELPDESK_ACTIONS, SELF_SERVICE_ACTIONS } from '../../audit/recorder.ts';
import type { AdminSession } from '../../flows/admin.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { AuditCategory, AuditEntry, AuditFilter } from '../../store/audit.ts';
import type { Store } from '../../store/store.ts';
import { pageKit, text } from '../page-kit.ts';

const TABS: Record<AuditCategory, readonly string[]> = {
  'self-service': SELF_SERVICE_ACTIONS,
  helpdesk: HELPDESK_ACTIONS,
  admin: ADMIN_ACTIONS,
};
/** The viewer's columns, in their default order. */
export const COLUMNS = ['at', 'actor', 'target', 'action', 'outcome', 'sourceIp', 'detail'] as const;
type Column = (typeof COLUMNS)[number];
const OUTCOMES = ['success', 'refused', 'failure', 'unknown'];
const DAY_MS = 86_400_000;
const PAGE = 1000;

/** What an admin chose for the table: hidden columns and widths in pixels. */
interface ColumnPrefs {
  hidden: Column[];
  widths: Partial<Record<Column, number>>;
}

const PREFERENCE = 'audit-columns';

/** The filter a query string describes; dates are whole UTC days, `to` inclusive. */
export function filterOf(query: Record<string, unknown>): { tab: AuditCategory; filter: AuditFilter } {
  const tab = (Object.keys(TABS).includes(text(query, 'tab')) ? text(query, 'tab') : 'self-service') as AuditCategory;
  const day = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN);
  const from = day(text(query, 'from', 10));
  const to = day(text(query, 'to', 10));
  const filter: AuditFilter = { category: tab };
  if (text(query, 'user').trim()) filter.actor = text(query, 'user').trim();
  if (TABS[tab].includes(text(query, 'action'))) filter.action = text(query, 'action');
  if (OUTCOMES.includes(text(query, 'outcome'))) filter.outcome = text(query, 'outcome');
  if (text(query, 'ip', 64).trim()) filter.sourceIp = text(query, 'ip', 64).trim();
  if (!Number.isNaN(from)) filter.from = from;
  if (!Number.isNaN(to)) filter.to = to + DAY_MS - 1;
  return { tab, filter };
}

function sortEntries(entries: AuditEntry[], column: string, descending: boolean): AuditEntry[] {
  if (!COLUMNS.includes(column as Column) || column === 'at') return descending ? entries : [...entries].reverse();
  const key = (entry: AuditEntry) => String(entry[column as Column] ?? '').toLowerCase();
  return [...entries].sort((a, b) => key(a).localeCompare(key(b)) * (descending ? -1 : 1) || b.id - a.id);
}

export async function auditViewerRoutes(
  app: FastifyInstance,
  { ctx, store, audit, admin }: { ctx: FlowContext; store: Store; audit: AuditRecorder; admin: (request: FastifyRequest) => Promise<AdminSession> },
) {
  const { form } = pageKit(ctx.t);
  const prefsOf = async (session: AdminSession): Promise<ColumnPrefs> =>
    ((await store.preferences.get(session.guid, PREFERENCE)) as ColumnPrefs | null) ?? { hidden: [], widths: {} };

  app.get('/admin/audit', async (request, reply) => {
    const session = await admin(request);
    const query = request.query as Record<string, unknown>;
    const { tab, filter } = filterOf(query);
    const before = Number(text(query, 'before', 20)) || undefined;
    const entries = await store.audit.query({ ...filter, limit: PAGE, ...(before ? { beforeId: before } : {}) });
    const total = await store.audit.count(filter);
    const sort = text(query, 'sort', 20) || 'at';
    const descending = text(query, 'dir', 4) !== 'asc';
    const prefs = await prefsOf(session);
    // The column widths are stored per admin and applied by a stylesheet: this page may run one
    // small script of our own (to remember widths), and still nothing inline.
    reply.header('content-security-policy', "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    return form(reply, 'admin-audit', {
      session,
      tab,
      tabs: Object.keys(TABS),
      actions: TABS[tab],
      outcomes: OUTCOMES,
      formats: EXPORT_FORMATS,
      columns: COLUMNS.filter((column) => !prefs.hidden.includes(column)),
      allColumns: COLUMNS,
      hidden: prefs.hidden,
      entries: sortEntries(entries, sort, descending),
      total,
      sort,
      descending,
      query: Object.fromEntries(['user', 'action', 'outcome', 'ip', 'from', 'to'].map((name) => [name, text(query, name, 64)])),
      next: entries.length === PAGE ? entries.at(-1)!.id : null,
    });
  });

  app.get('/admin/audit/columns.css', async (request, reply) => {
    const prefs = await prefsOf(await admin(request));
    const rules = Object.entries(prefs.widths).map(([column, width]) => `th.col-${column} { width: ${Math.round(Number(width))}px; }`);
    return reply.type('text/css').send(rules.join('\n'));
  });

  app.post('/admin/audit/columns', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const prefs = await prefsOf(session);
    // The chooser posts a "show:" checkbox per column; the resizing script posts only widths.
    if ('chooser' in body) prefs.hidden = COLUMNS.filter((column) => body[`show:${column}`] !== 'on');
    for (const column of COLUMNS) {
      const width = Number(body[`width:${column}`]);
      if (Number.isFinite(width) && width >= 40 && width <= 2000) prefs.widths[column] = Math.round(width);
    }
    await store.preferences.set(session.guid, PREFERENCE, prefs, ctx.now());
    if (!('chooser' in body)) return reply.code(204).send();
    return reply.redirect(`/admin/audit?${new URLSearchParams(Object.entries(body).filter(([key]) => ['tab'].includes(key)) as [string, string][])}`, 303);
  });

  app.get('/admin/audit/export', async (request, reply) => {
    const session = await admin(request);
    const query = request.query as Record<string, unknown>;
    const requested = text(query, 'format');
    const format: ExportFormat = isExportFormat(requested) ? requested : 'csv';
    const { tab, filter } = filterOf(query);
    const stamp = new Date(ctx.now()).toISOString().slice(0, 10);
    reply.header('content-type', contentType(format));
    reply.header('content-disposition', `attachment; filename="latchkey-audit-${tab}-${stamp}.${fileExtension(format)}"`);
    const body = new PassThrough();
    // exportAudit ends the stream, or destroys it on failure so that a broken download shows as one.
    void exportAudit(store.audit, filter, format, body, { title: `Latchkey audit: ${tab}`, now: ctx.now }).then(
      async ({ rows }) => {
        await audit.record({ actor: session.sam, actorGuid: session.guid, action: 'audit-export', outcome: 'success', sourceIp: request.ip, detail: `${format}, ${rows} rows: ${JSON.stringify(filter)}` });
      },
      async (error: unknown) => {
        request.log.error({ err: error }, 'audit export failed');
        await audit.record({ actor: session.sam, actorGuid: session.guid, action: 'audit-export', outcome: 'failure', sourceIp: request.ip, detail: `${format}: ${(error as Error).message}` });
      },
    );
    return reply.send(body);
  });
}
