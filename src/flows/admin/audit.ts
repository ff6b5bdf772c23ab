/**
 * The audit viewer: a tab per trail (self-service, helpdesk, administration), newest first. A
 * listing shows the newest 1,000 entries of the search, older ones page by page; the search
 * reaches the whole trail (username regardless of case, action, outcome, source address, dates).
 * The searched entries export (streamed) to CSV, Excel or PDF, and each export is audited.
 */
import { PassThrough, type Readable } from 'node:stream';
import { contentType, type ExportFormat, exportAudit, fileExtension } from '../../audit/export.ts';
import type { ExportWords } from '../../audit/export-format.ts';
import { ADMIN_ACTIONS, HELPDESK_ACTIONS, SELF_SERVICE_ACTIONS } from '../../audit/recorder.ts';
import { formatsFor } from '../../i18n/format.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { Log } from '../../log.ts';
import { AUDIT_SORT_COLUMNS, type AuditCategory, type AuditEntry, type AuditFilter, type AuditSortColumn } from '../../store/audit.ts';
import { AUDIT_CATEGORIES } from '../../store/schema.ts';
import type { Requester } from '../context.ts';
import { AUDIT_VIEW_COLUMNS, columnPreferences } from './columns.ts';
import type { AdminContext } from './context.ts';
import type { AdminSession } from './sign-in.ts';

/** The viewer's tabs, one per trail, and the actions each can be searched for. */
export const AUDIT_TABS = AUDIT_CATEGORIES;
const ACTIONS: Readonly<Record<AuditCategory, readonly string[]>> = {
  'self-service': SELF_SERVICE_ACTIONS,
  helpdesk: HELPDESK_ACTIONS,
  admin: ADMIN_ACTIONS,
};
/** The outcomes that can be searched for. */
export const AUDIT_OUTCOMES = ['success', 'refused', 'failure', 'unknown'] as const;
const DAY_MS = 86_400_000;
/** Entries per page of a listing. */
export const AUDIT_PAGE = 1000;

/**
 * A search as typed: a tab and text per filter ('' for any). A value the tab does not offer
 * (an action of another trail, a date that is none) searches for anything.
 */
export interface AuditSearch {
  tab: AuditCategory;
  user: string;
  action: string;
  outcome: string;
  ip: string;
  /** First and last day, YYYY-MM-DD (UTC), both included. */
  from: string;
  to: string;
}

/** Which page of a listing, and the order of the whole search. */
export interface AuditPaging {
  /** Newest first: the id of the last entry of the page before. */
  before?: number;
  /** Sorted otherwise: how many entries the pages before held. */
  offset?: number;
  /** A column to sort the whole search by (one not sortable: newest first). */
  sort: string;
  descending: boolean;
}

/** One page of a listing. */
export interface AuditListing {
  actions: readonly string[];
  entries: AuditEntry[];
  /** How many entries the whole search matches. */
  total: number;
  /** The query parameters of the next page (`before` or `offset`), or null on the last. */
  next: { before: string } | { offset: string } | null;
}

/** The actions a search of `tab` may name. */
export function auditActions(tab: AuditCategory): readonly string[] {
  return ACTIONS[tab];
}

/** The store's filter for `search`; dates are whole UTC days, `to` inclusive. */
export function auditFilter(search: AuditSearch): AuditFilter {
  const day = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN);
  const from = day(search.from);
  const to = day(search.to);
  const filter: AuditFilter = { category: search.tab };
  if (search.user.trim()) filter.actor = search.user.trim();
  if (ACTIONS[search.tab].includes(search.action)) filter.action = search.action;
  if (AUDIT_OUTCOMES.some((outcome) => outcome === search.outcome)) filter.outcome = search.outcome;
  if (search.ip.trim()) filter.sourceIp = search.ip.trim();
  if (!Number.isNaN(from)) filter.from = from;
  if (!Number.isNaN(to)) filter.to = to + DAY_MS - 1;
  return filter;
}

/** The store's order for a column asked for; anything else (or newest first) is the default order. */
function sortOf(column: string, descending: boolean): { column: AuditSortColumn; descending: boolean } | undefined {
  const sortable = AUDIT_SORT_COLUMNS.find((name) => name === column);
  return sortable && !(sortable === 'at' && descending) ? { column: sortable, descending } : undefined;
}

/**
 * One page of the entries `search` finds, in the order asked for over the whole search (the
 * database sorts; not only the page shown). Newest first pages by keyset, any other order by offset.
 */
export async function auditListing(ctx: Pick<AdminContext, 'store'>, search: AuditSearch, paging: AuditPaging): Promise<AuditListing> {
  const filter = auditFilter(search);
  const sort = sortOf(paging.sort, paging.descending);
  const offset = sort ? Math.max(0, paging.offset ?? 0) : 0;
  const page = sort ? { sort, offset } : paging.before ? { beforeId: paging.before } : {};
  const entries = await ctx.store.audit.query({ ...filter, limit: AUDIT_PAGE, ...page });
  const full = entries.length === AUDIT_PAGE;
  return {
    actions: ACTIONS[search.tab],
    entries,
    total: await ctx.store.audit.count(filter),
    next: !full ? null : sort ? { offset: String(offset + AUDIT_PAGE) } : { before: String(entries.at(-1)!.id) },
  };
}

/** The columns of `admin`'s exports: those the viewer shows, in its order, under its names. */
async function exportedColumns(ctx: Pick<AdminContext, 'store' | 't'>, admin: AdminSession) {
  const { hidden } = await columnPreferences(ctx, admin);
  const columns = AUDIT_VIEW_COLUMNS.filter((column) => !hidden.includes(column));
  // Every column hidden: the time at least, as an export of nothing would tell nothing.
  const chosen = columns.length ? columns : (['at'] as const);
  return { columns: chosen, headers: Object.fromEntries(chosen.map((column) => [column, ctx.t(`admin.column.${column}`)])) };
}

/** The words around an export's table in the admin's language, times as that language writes them (UTC). */
function exportWords(t: Translate, language: string): ExportWords {
  const when = formatsFor(language).dateTime;
  return {
    filter: (description) => t('admin.export.filter', { description }),
    generated: (at) => t('admin.export.generated', { at: when(at) }),
    page: (n) => t('admin.export.page', { n }),
    category: (name) => t('admin.export.category', { name: t(`admin.tab.${name}`) }),
    user: (name) => t('admin.export.user', { name }),
    action: (name) => t('admin.export.action', { name }),
    outcome: (name) => t('admin.export.outcome', { name }),
    sourceIp: (address) => t('admin.export.sourceIp', { address }),
    from: (at) => t('admin.export.from', { at: when(at) }),
    to: (at) => t('admin.export.to', { at: when(at) }),
    none: t('admin.export.none'),
  };
}

/** An export under way: its file's name and type, and its bytes as they are written. */
export interface AuditDownload {
  fileName: string;
  contentType: string;
  body: Readable;
}

/**
 * Starts exporting what `search` finds as `format` for `admin`. The body ends when the last
 * entry is written, or breaks off (destroyed) on a failure, which `log` is told of; either way
 * the export is audited with the search and how many rows it held.
 */
export function exportAuditTrail(
  ctx: Pick<AdminContext, 'store' | 'adminAudit' | 'now' | 't'>,
  admin: AdminSession,
  search: AuditSearch,
  format: ExportFormat,
  requester: Requester,
  log: Log,
): AuditDownload {
  const filter = auditFilter(search);
  const stamp = new Date(ctx.now()).toISOString().slice(0, 10);
  const body = new PassThrough();
  const record = (outcome: 'success' | 'failure', detail: string) =>
    ctx.adminAudit.record({ actor: admin.sam, actorGuid: admin.guid, action: 'audit-export', outcome, sourceIp: requester.ip, detail });
  void exportedColumns(ctx, admin)
    .then(({ columns, headers }) =>
      exportAudit(ctx.store.audit, filter, format, body, {
        title: ctx.t('admin.exportTitle', { tab: ctx.t(`admin.tab.${search.tab}`) }),
        now: ctx.now,
        columns,
        headers,
        words: exportWords(ctx.t, requester.language ?? 'en'),
      }),
    )
    .then(
      ({ rows }) => record('success', `${format}, ${rows} rows: ${JSON.stringify(filter)}`),
      async (error: unknown) => {
        log.error({ err: error }, 'audit export failed');
        // A failure before the export began (reading the column choices) must end the body too.
        if (!body.destroyed) body.destroy(error instanceof Error ? error : new Error(String(error)));
        await record('failure', `${format}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  return { fileName: `latchkey-audit-${search.tab}-${stamp}.${fileExtension(format)}`, contentType: contentType(format), body };
}
