/**
 * The first schema. Written once for both databases: only the audit id differs, because an
 * auto-increment key is spelled differently on each.
 */
import { type Kysely, sql } from 'kysely';
import type { DatabaseDialect } from '../schema.ts';

// Migrations see the database as it was at their time, not as schema.ts describes it now.
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Creates every table and index of the first release. */
export async function up(db: AnyDb, dialect: DatabaseDialect): Promise<void> {
  await db.schema
    .createTable('enrollments')
    .addColumn('user_guid', 'text', (c) => c.primaryKey().notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('mobile', 'text')
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('enrollment_answers')
    .addColumn('user_guid', 'text', (c) => c.notNull().references('enrollments.user_guid').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('answer_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('enrollment_answers_pk', ['user_guid', 'position'])
    .execute();

  await db.schema
    .createTable('verification_codes')
    .addColumn('flow_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('user_guid', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('verification_codes_expires_at').on('verification_codes').column('expires_at').execute();

  await db.schema
    .createTable('throttle_counters')
    .addColumn('key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('window_started_at', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('throttle_counters_expires_at').on('throttle_counters').column('expires_at').execute();

  await db.schema
    .createTable('audit_events')
    .$call((table) =>
      dialect === 'postgres'
        ? table.addColumn('id', 'bigint', (c) => c.primaryKey().notNull().generatedAlwaysAsIdentity())
        : // AUTOINCREMENT: ids are never reused after a purge, so a paging cursor stays meaningful.
          table.addColumn('id', 'integer', (c) => c.primaryKey().notNull().autoIncrement()),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_guid', 'text')
    .addColumn('target', 'text')
    .addColumn('target_guid', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('source_ip', 'text')
    .addColumn('detail', 'text')
    .execute();
  // Newest-first listing, per category and over all; the second also serves purging by age.
  await db.schema.createIndex('audit_events_category_at').on('audit_events').columns(['category', 'at', 'id']).execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
  // Actor search is case-insensitive; an index on the expression is the same on both databases.
  await db.schema.createIndex('audit_events_actor_lower').on('audit_events').expression(sql`lower(actor)`).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey().notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // An integer rather than a boolean: SQLite has no boolean type, and 0/1 means the same on both.
    .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
}
