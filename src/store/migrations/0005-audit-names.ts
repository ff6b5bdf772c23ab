/**
 * The audit trail keeps the display names of the accounts an entry names (as the directory had
 * them then, for auditors who know people by name), and how many times an entry happened: a
 * repeated view within a short window is one entry with a count. Earlier entries keep no name
 * and count once.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Adds actor_name, target_name and times to audit_events. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('actor_name', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('target_name', 'text').execute();
  await db.schema
    .alterTable('audit_events')
    .addColumn('times', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
