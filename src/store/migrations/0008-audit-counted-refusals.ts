/**
 * Refusals a flood repeats (rate limits, bots, decoy flows) are one audit entry per kind, subject
 * and window, with a count: each entry of that sort carries the key of its window, and a unique
 * index on it lets every instance count on the same entry with one upsert. Other entries have no
 * key (NULL, which the index never compares equal).
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Adds repeat_key to audit_events, unique. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('repeat_key', 'text').execute();
  await db.schema.createIndex('audit_events_repeat_key').unique().on('audit_events').column('repeat_key').execute();
}
