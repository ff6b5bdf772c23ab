/** What a bench reads back from Latchkey's database: its audit trail grouped, and rows per table. */
import { type Kysely, sql } from 'kysely';
import type { Tables } from '../../src/store/schema.ts';
import type { TargetStats } from './target.ts';

/** Audit entries and events (an entry counts its repeats) by action, outcome and detail; rows per table. */
export async function auditStats(db: Kysely<Tables>): Promise<Pick<TargetStats, 'audit' | 'rows'>> {
  const audit = await sql<{ action: string; outcome: string; detail: string | null; n: number; entries: number }>`
    select action, outcome, detail, sum(times) as n, count(*) as entries from audit_events group by action, outcome, detail order by action, outcome, detail`.execute(
    db,
  );
  const rows: Record<string, number> = {};
  for (const table of ['sessions', 'throttle_counters', 'verification_codes', 'enrollments', 'audit_events']) {
    const counted = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    rows[table] = Number(counted.rows[0]?.n ?? 0);
  }
  return { audit: audit.rows.map((row) => ({ ...row, n: Number(row.n), entries: Number(row.entries) })), rows };
}
