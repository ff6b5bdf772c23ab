/**
 * Runs the migrations with Kysely's Migrator and turns any failure into one coded error that
 * names the migration, so that an administrator sees what broke instead of a stack trace.
 */
import type { Kysely } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { reasonOf, StoreMigrationFailed } from './errors.ts';
import { MIGRATIONS, type StoreMigration } from './migrations/index.ts';
import type { DatabaseDialect, Tables } from './schema.ts';

/** What migrateToLatest needs besides the database. */
export interface MigrateOptions {
  dialect: DatabaseDialect;
  /** The database as named in messages (never with a password). */
  label: string;
  /** The migrations to apply; all of Latchkey's by default. */
  migrations?: Readonly<Record<string, StoreMigration>>;
}

/**
 * Applies every pending migration. A failing migration leaves none of its changes behind: on
 * PostgreSQL the Migrator runs the whole batch in one transaction; on SQLite (where Kysely
 * does not) each migration runs in its own.
 */
export async function migrateToLatest(db: Kysely<Tables>, options: MigrateOptions): Promise<void> {
  const { dialect, label, migrations = MIGRATIONS } = options;
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    bound[name] = {
      up: (conn) => (dialect === 'sqlite' ? conn.transaction().execute((trx) => migration.up(trx, dialect)) : migration.up(conn, dialect)),
    };
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => bound } });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  throw StoreMigrationFailed({ database: label, migration: failed?.migrationName ?? null, reason: reasonOf(error) }, { cause: error });
}
