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
  /**
   * Sign-ins refused by the limits in `range`, every area together: /me and change as
   * rate-limited entries ("… sign-in: rate-limited", "change: rate-limited"), the helpdesk and
   * console as refused sign-ins with the reason rate-limited. Repeats counted.
   */
  throttledSignIns(range: AuditRange): Promise<number>;
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

    async throttledSignIns(range) {
      const row = await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('times'), eb.lit(0)).as('n'))
        .where('at', '>=', range.from)
        .where('at', '<=', range.to)
        .where((eb) =>
          eb.or([
            eb.and([eb('action', '=', 'rate-limited'), eb.or([eb('detail', 'like', '% sign-in: rate-limited'), eb('detail', '=', 'change: rate-limited')])]),
            eb.and([eb('action', '=', 'sign-in'), eb('outcome', '=', 'refused'), eb('detail', '=', 'rate-limited')]),
          ]),
        )
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
