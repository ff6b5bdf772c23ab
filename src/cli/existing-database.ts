/**
 * The configured database as the read-only commands see it: opened only when it exists, never
 * created, never migrated, and read-only (a SQLite file opened read-only; PostgreSQL sessions
 * whose transactions are read-only), so that nothing written by mistake can reach it. A SQLite
 * file that is not there stays not there; a PostgreSQL database without Latchkey's schema is
 * reported as empty, not filled.
 */
import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { appliedMigrations, ensureReachable } from '../backup/catalog.ts';
import { databaseOptions } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { type Audit, createAudit } from '../store/audit.ts';
import { connectDatabase } from '../store/database.ts';
import { MIGRATIONS, type StoreMigration } from '../store/migrations/index.ts';
import type { DatabaseDialect, Tables } from '../store/schema.ts';
import { createSettings, type Settings } from '../store/settings.ts';

/** Where the database is, whether or not it exists. */
export interface DatabaseLocation {
  dialect: DatabaseDialect;
  /** The file, or the server and database without credentials. */
  label: string;
}

/** An existing Latchkey database, open for reading. */
export interface ExistingDatabase extends DatabaseLocation {
  readonly db: Kysely<Tables>;
  readonly audit: Audit;
  /** Migrations this Latchkey has that the database lacks (the next start applies them). */
  readonly pending: string[];
  /** Migrations the database has that this Latchkey does not know (a newer one made them). */
  readonly unknown: string[];
  /** Every stored setting (none before the first migration). */
  settingRows(): ReturnType<Settings['all']>;
  close(): Promise<void>;
}

/** What openExistingDatabase compares the database with. */
export interface ExistingDatabaseOptions {
  /** The migrations this Latchkey has (default: all of them; tests add one to leave one pending). */
  migrations?: Readonly<Record<string, StoreMigration>>;
}

/**
 * Opens the database `config` names, read-only, if it holds Latchkey's schema; otherwise returns
 * where it would be. Fails with LK_STORE_UNAVAILABLE when a PostgreSQL server does not answer.
 */
export async function openExistingDatabase(
  config: Config,
  { migrations = MIGRATIONS }: ExistingDatabaseOptions = {},
): Promise<ExistingDatabase | DatabaseLocation> {
  const options = databaseOptions(config);
  const connection = options.databaseUrl ? connectDatabase({ databaseUrl: readOnlySessions(options.databaseUrl) }) : null;
  const dialect: DatabaseDialect = connection ? 'postgres' : 'sqlite';
  const label = connection?.label ?? options.sqliteFile;
  // Opening a missing SQLite file, even read-only through Kysely's dialect, would create it.
  if (!connection && !existsSync(options.sqliteFile)) return { dialect, label };
  const db =
    connection?.db ??
    new Kysely<Tables>({ dialect: new SqliteDialect({ database: new BetterSqlite3(options.sqliteFile, { readonly: true, fileMustExist: true }) }) });
  try {
    await ensureReachable(db, label);
    const applied = await appliedMigrations(db, dialect);
    if (!applied) {
      await db.destroy();
      return { dialect, label };
    }
    const settings = createSettings(db);
    return {
      dialect,
      label,
      db,
      audit: createAudit(db),
      pending: Object.keys(migrations).filter((name) => !applied.includes(name)),
      unknown: applied.filter((name) => !Object.hasOwn(migrations, name)),
      // Without the first migration there is no settings table to ask.
      settingRows: async () => (applied.length > 0 ? settings.all() : []),
      close: () => db.destroy(),
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/**
 * The PostgreSQL URL with every session's transactions read-only by default (the server's
 * default_transaction_read_only, set at connection start through the `options` parameter, added
 * to any the URL already gives): a write, a migration included, fails instead of changing anything.
 */
export function readOnlySessions(url: string): string {
  const at = url.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
  params.set('options', [params.get('options'), '-c default_transaction_read_only=on'].filter(Boolean).join(' '));
  return `${at < 0 ? url : url.slice(0, at)}?${params}`;
}

/** Whether `database` is open (it exists) rather than only located. */
export function exists(database: ExistingDatabase | DatabaseLocation): database is ExistingDatabase {
  return 'db' in database;
}

/** Whether `rows` hold the settings sections the first start imports. */
export function holdsSettings(rows: ReadonlyArray<{ key: string }>): boolean {
  return rows.some((row) => row.key.startsWith('section:'));
}

/** Whether the first start has imported the settings into the database `config` names. */
export async function settingsImported(config: Config): Promise<boolean> {
  const database = await openExistingDatabase(config);
  if (!exists(database)) return false;
  try {
    return holdsSettings(await database.settingRows());
  } finally {
    await database.close();
  }
}
