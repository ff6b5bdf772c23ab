/**
 * Password-expiry reminders: one row per reminder per password, claimed before it is sent and
 * marked once sent (so that no run, on any instance, sends it twice), and a row per daily run
 * with what it found (the dashboard's figures).
 */
import type { Kysely } from 'kysely';

// Migrations see the database as it was at their time, not as schema.ts describes it now.
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** Creates the expiry_reminders and expiry_reminder_runs tables. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('expiry_reminders')
    // The account's objectGUID: names can be renamed.
    .addColumn('account_guid', 'text', (c) => c.notNull())
    // pwdLastSet as the DC gave it (FILETIME text): a new password starts a new series.
    .addColumn('password_set', 'text', (c) => c.notNull())
    .addColumn('lead_days', 'integer', (c) => c.notNull())
    // 'claimed' while being sent (or when its sender stopped before it knew), 'sent' once delivered.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    // When the password expires: rows are purged some time after.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('expiry_reminders_pk', ['account_guid', 'password_set', 'lead_days'])
    .execute();
  await db.schema.createIndex('expiry_reminders_expires_at').on('expiry_reminders').column('expires_at').execute();

  await db.schema
    .createTable('expiry_reminder_runs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    // 'running', 'complete' or 'failed' (the detail says why).
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('scanned', 'integer', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('expired', 'integer', (c) => c.notNull())
    // JSON: how many passwords expire on each of the next days (index 0 = within a day).
    .addColumn('upcoming', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('expiry_reminder_runs_started_at').on('expiry_reminder_runs').column('started_at').execute();
}
