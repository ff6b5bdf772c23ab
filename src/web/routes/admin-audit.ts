/**
 * The audit viewer's pages (/admin/audit…): the listing with its search, paging and sorting,
 * the columns each admin chose (and the stylesheet that applies their widths), and the
 * streamed exports. The flows (src/flows/admin/audit.ts, columns.ts) do the work.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EXPORT_FORMATS } from '../../audit/export.ts';
import { AUDIT_OUTCOMES, AUDIT_TABS, type AuditSearch, auditListing, exportAuditTrail } from '../../flows/admin/audit.ts';
import { AUDIT_VIEW_COLUMNS, type AuditViewColumn, columnPreferences, saveColumnPreferences } from '../../flows/admin/columns.ts';
import type { AdminContext } from '../../flows/admin/context.ts';
import { activeAdmin } from '../../flows/admin/sign-in.ts';
import { csrfField, queryText, readForm } from '../form-schema.ts';
import { pageKit, requester } from '../page-kit.ts';

/** The listing's and the export's query: anything unusable reads as "any" or the default. */
const auditQuery = z.object({
  tab: z.enum(AUDIT_TABS).catch('self-service'),
  user: queryText(256),
  action: queryText(256),
  outcome: queryText(256),
  ip: queryText(64),
  from: queryText(10),
  to: queryText(10),
  before: queryText(20),
  offset: queryText(12),
  sort: queryText(20),
  dir: queryText(4),
  format: z.enum(EXPORT_FORMATS).catch('csv'),
});
type AuditQuery = z.infer<typeof auditQuery>;
/** The search fields the page echoes back into its form and links. */
const ECHOED = ['user', 'action', 'outcome', 'ip', 'from', 'to'] as const;

/** The column chooser's form (a "show:" box per column) and the resizing script's (widths only). */
const columnsBody = z.strictObject({
  _csrf: csrfField,
  chooser: z.string().max(8).optional(),
  tab: z.string().max(32).optional(),
  ...Object.fromEntries(AUDIT_VIEW_COLUMNS.map((column) => [`show:${column}`, z.literal('on').optional()])),
  ...Object.fromEntries(
    AUDIT_VIEW_COLUMNS.map((column) => [
      `width:${column}`,
      z
        .string()
        .max(8)
        .regex(/^\d+(\.\d+)?$/, 'expected a width in pixels')
        .optional(),
    ]),
  ),
});

function queryOf(request: FastifyRequest): AuditQuery {
  const parsed = auditQuery.safeParse(request.query ?? {});
  return parsed.success ? parsed.data : auditQuery.parse({});
}

function searchOf(query: AuditQuery): AuditSearch {
  const { tab, user, action, outcome, ip, from, to } = query;
  return { tab, user, action, outcome, ip, from, to };
}

export async function adminAuditRoutes(app: FastifyInstance, { admin: ctx }: { admin: AdminContext }) {
  const { form } = pageKit(ctx.t);
  const admin = (request: FastifyRequest) => activeAdmin(ctx, request.session.get('admin'));

  app.get('/admin/audit', async (request, reply) => {
    const session = await admin(request);
    const query = queryOf(request);
    const sort = query.sort || 'at';
    const descending = query.dir !== 'asc';
    const listing = await auditListing(ctx, searchOf(query), {
      before: Number(query.before) || undefined,
      offset: Number(query.offset) || undefined,
      sort,
      descending,
    });
    const { hidden } = await columnPreferences(ctx, session);
    // The column widths are stored per admin and applied by a stylesheet; the page runs one small
    // script of our own to remember them (its policy: src/web/csp.ts).
    return form(reply, 'admin-audit', {
      session,
      tab: query.tab,
      tabs: AUDIT_TABS,
      actions: listing.actions,
      outcomes: AUDIT_OUTCOMES,
      formats: EXPORT_FORMATS,
      columns: AUDIT_VIEW_COLUMNS.filter((column) => !hidden.includes(column)),
      allColumns: AUDIT_VIEW_COLUMNS,
      hidden,
      entries: listing.entries,
      total: listing.total,
      sort,
      descending,
      query: Object.fromEntries(ECHOED.map((name) => [name, query[name].slice(0, 64)])),
      next: listing.next,
    });
  });

  app.get('/admin/audit/columns.css', async (request, reply) => {
    const { widths } = await columnPreferences(ctx, await admin(request));
    const rules = Object.entries(widths).map(([column, width]) => `th.col-${column} { width: ${Math.round(width)}px; }`);
    return reply.type('text/css').send(rules.join('\n'));
  });

  app.post('/admin/audit/columns', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const body = readForm(columnsBody, request.body);
    if (!body.ok) return reply.code(400).view('error', { message: body.errors.map((error) => `${error.field}: ${ctx.t(error.code, error.params)}`).join(' ') });
    const fields: Record<string, string | undefined> = body.values;
    const widths: Partial<Record<AuditViewColumn, number>> = {};
    for (const column of AUDIT_VIEW_COLUMNS) if (fields[`width:${column}`] !== undefined) widths[column] = Number(fields[`width:${column}`]);
    const chooser = fields.chooser !== undefined;
    await saveColumnPreferences(ctx, session, {
      widths,
      ...(chooser ? { shown: AUDIT_VIEW_COLUMNS.filter((column) => fields[`show:${column}`] === 'on') } : {}),
    });
    if (!chooser) return reply.code(204).send();
    return reply.redirect(`/admin/audit?${new URLSearchParams(fields.tab !== undefined ? { tab: fields.tab } : {})}`, 303);
  });

  app.get('/admin/audit/export', async (request, reply) => {
    const session = await admin(request);
    const query = queryOf(request);
    const download = exportAuditTrail(ctx, session, searchOf(query), query.format, requester(request), request.log);
    reply.header('content-type', download.contentType);
    reply.header('content-disposition', `attachment; filename="${download.fileName}"`);
    return reply.send(download.body);
  });
}
