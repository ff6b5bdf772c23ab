/**
 * Enrollment campaigns: who was invited to enroll, how often and when (so that several instances
 * and restarts never invite twice in a cycle, nor more often than allowed), and a daily record
 * of enrollment coverage for the dashboard's history.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Creates campaign_invitations and coverage_history. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('campaign_invitations')
    .addColumn('user_guid', 'text', (c) => c.primaryKey().notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    // Set when a run finds the invited account has what the factor policy asks.
    .addColumn('enrolled_at', 'bigint')
    .execute();
  await db.schema
    .createTable('coverage_history')
    // Days since 1970-01-01 (UTC): one row a day, whichever instance takes it first.
    .addColumn('day', 'integer', (c) => c.primaryKey().notNull())
    .addColumn('users', 'integer')
    .addColumn('enrolled', 'integer', (c) => c.notNull())
    .addColumn('taken_at', 'bigint', (c) => c.notNull())
    .execute();
}
