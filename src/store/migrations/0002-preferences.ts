/**
 * Personal preferences get a table of their own. Until now the audit viewer kept each admin's
 * column choices among the settings (key `prefs:audit:<objectGUID>`); they move here, under the
 * name `audit-columns`, and leave the settings table.
 */
import { type Kysely, sql } from 'kysely';

// Migrations see the database as it was at their time, not as schema.ts describes it now.
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
type AnyDb = Kysely<any>;

/** The settings key prefix the column choices were stored under, and the name they move to. */
const OLD_PREFIX = 'prefs:audit:';
const AUDIT_COLUMNS_PREFERENCE = 'audit-columns';

/** Creates the preferences table and moves the stored column choices into it. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('preferences')
    // The owner's objectGUID: names can be renamed.
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('preferences_pk', ['owner', 'name'])
    .execute();

  // substr() counts from 1 on both databases; the values are JSON text already and move as they are.
  await db
    .insertInto('preferences')
    .columns(['owner', 'name', 'value', 'updated_at'])
    .expression(
      db
        .selectFrom('settings')
        .select([
          sql<string>`substr(key, ${sql.lit(OLD_PREFIX.length + 1)})`.as('owner'),
          sql<string>`${sql.lit(AUDIT_COLUMNS_PREFERENCE)}`.as('name'),
          'value',
          'updated_at',
        ])
        .where('key', 'like', `${OLD_PREFIX}%`),
    )
    .execute();
  await db.deleteFrom('settings').where('key', 'like', `${OLD_PREFIX}%`).execute();
}
