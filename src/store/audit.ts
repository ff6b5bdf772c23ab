/**
 * The audit trail: every state change and refusal, newest first. It records who and what, never
 * a password, answer or code (callers pass only what may be shown to an auditor).
 */
import type { Expression, ExpressionBuilder, Insertable, Kysely, Selectable, SqlBool } from 'kysely';
import { deleted } from './rows.ts';
import type { AuditCategory, AuditEventsTable, Tables } from './schema.ts';

export type { AuditCategory } from './schema.ts';

/** One event to record. `actor` is the username, or 'unknown' when the name matched nobody. */
export interface AuditEvent {
  at: number;
  category: AuditCategory;
  actor: string;
  actorGuid?: string | null;
  target?: string | null;
  targetGuid?: string | null;
  action: string;
  outcome: string;
  sourceIp?: string | null;
  detail?: string | null;
  /** The display names of actor and target, when they are accounts the directory named. */
  actorName?: string | null;
  targetName?: string | null;
}

/** A recorded event. */
export interface AuditEntry {
  id: number;
  at: number;
  category: AuditCategory;
  actor: string;
  actorGuid: string | null;
  target: string | null;
  targetGuid: string | null;
  action: string;
  outcome: string;
  sourceIp: string | null;
  detail: string | null;
  actorName: string | null;
  targetName: string | null;
  /** How many times it happened: more than 1 for repeats within the window (recordRepeat). */
  times: number;
}

/** Which events to count or list; every field narrows, all are optional. */
export interface AuditFilter {
  category?: AuditCategory;
  /** The actor's name, matched whole but regardless of case. */
  actor?: string;
  action?: string;
  outcome?: string;
  sourceIp?: string;
  /** Earliest `at`, inclusive. */
  from?: number;
  /** Latest `at`, inclusive. */
  to?: number;
  /** Events about one account: those it did itself (actor, any case) and those done to it (target). */
  involving?: { name: string; guid: string };
  /** Leaves out one action (e.g. the helpdesk's views of an account, which would crowd its activity). */
  notAction?: string;
}

/** The columns a listing can be sorted by (besides the default, time). */
export const AUDIT_SORT_COLUMNS = ['at', 'actor', 'actorName', 'target', 'targetName', 'action', 'outcome', 'times', 'sourceIp', 'detail'] as const;
/** One of AUDIT_SORT_COLUMNS. */
export type AuditSortColumn = (typeof AUDIT_SORT_COLUMNS)[number];

const SORT_SQL: Readonly<Record<AuditSortColumn, keyof AuditEventsTable>> = {
  at: 'at',
  actor: 'actor',
  actorName: 'actor_name',
  target: 'target',
  targetName: 'target_name',
  action: 'action',
  outcome: 'outcome',
  times: 'times',
  sourceIp: 'source_ip',
  detail: 'detail',
};

/**
 * A filter plus a page: `limit` rows (default and most 1000) after the event `beforeId` in the
 * default order (newest first); or, sorted by another column, after skipping `offset` rows.
 */
export interface AuditQuery extends AuditFilter {
  limit?: number;
  /** The id of the last event of the previous page; the next page starts after it. */
  beforeId?: number;
  /** The order of the whole result: a column and its direction, then id the same way. Default: newest first. */
  sort?: { column: AuditSortColumn; descending: boolean };
  /** Rows to skip (for a sorted listing, whose order has no usable keyset). */
  offset?: number;
}

/** The most events one query returns. */
export const AUDIT_PAGE_MAX = 1000;

/** The audit trail repository. */
export interface Audit {
  /** Records an event; returns its id. */
  record(event: AuditEvent): Promise<number>;
  /**
   * Records an event, or counts it on the entry of the same category, actor, action, outcome
   * and source recorded at or after `since`; returns the entry's id.
   */
  recordRepeat(event: AuditEvent, since: number): Promise<number>;
  /**
   * Records an event, or counts it on the entry already recorded under `key` (its kind, subject
   * and window): one upsert, so instances and processes writing at once count on one entry.
   */
  recordCounted(event: AuditEvent, key: string): Promise<void>;
  /** Matching events, newest first (at, then id, descending). */
  query(query?: AuditQuery): Promise<AuditEntry[]>;
  /** How many events match. */
  count(filter?: AuditFilter): Promise<number>;
  /** Removes events older than `at` (exclusive); returns how many. */
  purgeOlderThan(at: number): Promise<number>;
}

type AuditExpressions = ExpressionBuilder<Tables, 'audit_events'>;

/** The WHERE of a filter; every value is a bound parameter, never part of the SQL text. */
function matching(filter: AuditQuery) {
  return (eb: AuditExpressions): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    const { category, actor, action, outcome, sourceIp, from, to, beforeId, involving, notAction } = filter;
    if (category !== undefined) conditions.push(eb('category', '=', category));
    // lower() on both sides (not toLowerCase here) so it matches the lower(actor) index exactly.
    if (actor !== undefined) conditions.push(eb(eb.fn('lower', ['actor']), '=', eb.fn('lower', [eb.val(actor)])));
    if (action !== undefined) conditions.push(eb('action', '=', action));
    if (outcome !== undefined) conditions.push(eb('outcome', '=', outcome));
    if (sourceIp !== undefined) conditions.push(eb('source_ip', '=', sourceIp));
    if (from !== undefined) conditions.push(eb('at', '>=', from));
    if (to !== undefined) conditions.push(eb('at', '<=', to));
    if (involving !== undefined)
      conditions.push(eb.or([eb(eb.fn('lower', ['actor']), '=', eb.fn('lower', [eb.val(involving.name)])), eb('target_guid', '=', involving.guid)]));
    if (notAction !== undefined) conditions.push(eb('action', '<>', notAction));
    if (beforeId !== undefined) {
      // Keyset paging in the listing's own order, (at, id). A purged cursor row means everything
      // older is purged too (purging goes by age), so the empty page that follows is right.
      const cursor = eb.selectFrom('audit_events as cursor').select(['cursor.at', 'cursor.id']).where('cursor.id', '=', beforeId).$asTuple('at', 'id');
      conditions.push(eb(eb.refTuple('at', 'id'), '<', cursor));
    }
    return eb.and(conditions);
  };
}

/** A requested page size within 0..AUDIT_PAGE_MAX; anything unusable means the maximum. */
function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return AUDIT_PAGE_MAX;
  return Math.min(Math.max(Math.trunc(limit), 0), AUDIT_PAGE_MAX);
}

function toEntry(row: Selectable<AuditEventsTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    category: row.category,
    actor: row.actor,
    actorGuid: row.actor_guid,
    target: row.target,
    targetGuid: row.target_guid,
    action: row.action,
    outcome: row.outcome,
    sourceIp: row.source_ip,
    detail: row.detail,
    actorName: row.actor_name,
    targetName: row.target_name,
    times: Number(row.times),
  };
}

function toRow(event: AuditEvent): Insertable<AuditEventsTable> {
  return {
    at: event.at,
    category: event.category,
    actor: event.actor,
    actor_guid: event.actorGuid ?? null,
    target: event.target ?? null,
    target_guid: event.targetGuid ?? null,
    action: event.action,
    outcome: event.outcome,
    source_ip: event.sourceIp ?? null,
    detail: event.detail ?? null,
    actor_name: event.actorName ?? null,
    target_name: event.targetName ?? null,
  };
}

/** The audit trail over `db`. */
export function createAudit(db: Kysely<Tables>): Audit {
  return {
    async record(event) {
      const row = await db.insertInto('audit_events').values(toRow(event)).returning('id').executeTakeFirstOrThrow();
      return row.id;
    },

    async recordRepeat(event, since) {
      // Counting first, as one statement: no transaction that reads before it writes, which on
      // SQLite another process's write in between would fail at once (no busy wait for that).
      // Two processes seeing no entry at the same moment make two entries: a count split, no loss.
      const latest = db
        .selectFrom('audit_events')
        .select('id')
        .where((eb) =>
          eb.and([
            eb('category', '=', event.category),
            eb('actor', '=', event.actor),
            eb('action', '=', event.action),
            eb('outcome', '=', event.outcome),
            eb('source_ip', 'is not distinct from', event.sourceIp ?? null),
            eb('at', '>=', since),
          ]),
        )
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(1);
      const counted = await db
        .updateTable('audit_events')
        .set((eb) => ({ times: eb('times', '+', 1) }))
        .where('id', '=', (eb) => eb.selectFrom(latest.as('latest')).select('latest.id'))
        .returning('id')
        .executeTakeFirst();
      return counted?.id ?? (await db.insertInto('audit_events').values(toRow(event)).returning('id').executeTakeFirstOrThrow()).id;
    },

    async recordCounted(event, key) {
      await db
        .insertInto('audit_events')
        .values({ ...toRow(event), repeat_key: key })
        .onConflict((oc) => oc.column('repeat_key').doUpdateSet((eb) => ({ times: eb('audit_events.times', '+', 1) })))
        .execute();
    },

    async query(query = {}) {
      const { column, descending } = query.sort ?? { column: 'at', descending: true };
      const direction = descending ? 'desc' : 'asc';
      const name = SORT_SQL[column];
      let select = db.selectFrom('audit_events').selectAll().where(matching(query));
      // Text sorts regardless of case, and an absent value as '' (SQLite and PostgreSQL place NULLs differently).
      select =
        name === 'at' || name === 'times'
          ? select.orderBy(name, direction)
          : select.orderBy((eb) => eb.fn('lower', [eb.fn.coalesce(name, eb.val(''))]), direction);
      select = select.orderBy('id', direction).limit(pageSize(query.limit));
      if (query.offset) select = select.offset(Math.max(0, Math.trunc(query.offset)));
      return (await select.execute()).map(toEntry);
    },

    async count(filter = {}) {
      const row = await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(matching(filter))
        .executeTakeFirstOrThrow();
      return row.n;
    },

    purgeOlderThan: (at) => deleted(db.deleteFrom('audit_events').where('at', '<', at)),
  };
}

/**
 * Every event matching `filter`, newest first, one page of AUDIT_PAGE_MAX at a time by keyset
 * (beforeId), so that a caller walking the whole trail never holds more than one page. Events
 * recorded during the walk are newer than its cursor and are not included.
 */
export async function* auditPages(audit: Pick<Audit, 'query'>, filter: AuditFilter = {}): AsyncGenerator<AuditEntry[]> {
  let beforeId: number | undefined;
  for (;;) {
    const page = await audit.query({ ...filter, limit: AUDIT_PAGE_MAX, beforeId });
    if (page.length > 0) yield page;
    const last = page.at(-1);
    // A short page is the last one: no need for one more query to learn that the next is empty.
    if (last === undefined || page.length < AUDIT_PAGE_MAX) return;
    beforeId = last.id;
  }
}
