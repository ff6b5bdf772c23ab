/**
 * Counts over the audit trail for the dashboard, computed by the database (GROUP BY), never by
 * loading events: per day and action, and per failure reason.
 */
import { type Kysely, sql } from 'kysely';
import type { Tables } from './schema.ts';

const DAY_MS = 86_400_000;

export interface DailyCount {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  action: string;
  outcome: string;
  count: number;
}

export interface ReasonCount {
  action: string;
  detail: string;
  count: number;
}

/** A period of the trail: `from` and `to` in epoch milliseconds, both inclusive. */
export interface AuditRange {
  from: number;
  to: number;
}

/** The audit statistics repository (read-only). */
export interface AuditStats {
  /** Events per day, action and outcome in `range`. */
  countsByDay(range: AuditRange): Promise<DailyCount[]>;
  /** Failed, refused or unknown-outcome events of `actions` in `range`, by their detail (the reason), most frequent first. */
  failureReasons(actions: readonly string[], range: AuditRange, limit?: number): Promise<ReasonCount[]>;
}

/** Audit statistics over `db`. */
export function createAuditStats(db: Kysely<Tables>): AuditStats {
  return {
    async countsByDay(range) {
      const rows = await db
        .selectFrom('audit_events')
        .select((eb) => [sql<number>`at / ${sql.lit(DAY_MS)}`.as('day'), 'action', 'outcome', eb.fn.countAll<number>().as('count')])
        .where('at', '>=', range.from)
        .where('at', '<=', range.to)
        .groupBy([sql`at / ${sql.lit(DAY_MS)}`, 'action', 'outcome'])
        .execute();
      return rows.map((row) => ({ day: Math.floor(Number(row.day)), action: row.action, outcome: row.outcome, count: Number(row.count) }));
    },

    async failureReasons(actions, range, limit = 10) {
      const rows = await db
        .selectFrom('audit_events')
        .select((eb) => ['action', 'detail', eb.fn.countAll<number>().as('count')])
        .where('at', '>=', range.from)
        .where('at', '<=', range.to)
        .where('action', 'in', [...actions])
        .where('outcome', 'in', ['failure', 'refused', 'unknown'])
        .groupBy(['action', 'detail'])
        .orderBy('count', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ action: row.action, detail: row.detail ?? '', count: Number(row.count) }));
    },
  };
}
