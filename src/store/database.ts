/**
 * Opens Latchkey's database: PostgreSQL when DATABASE_URL is a postgres:// URL, otherwise a
 * SQLite file. Either way the schema is brought up to date before anything else touches it.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { reasonOf, StoreConfigInvalid, StoreUnavailable } from './errors.ts';
import { migrateToLatest } from './migrate.ts';
import type { DatabaseDialect, Tables } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';

/** Where the data lives: a PostgreSQL URL wins over the SQLite file. */
export interface DatabaseOptions {
  /** postgres:// or postgresql:// URL (DATABASE_URL). */
  databaseUrl?: string;
  /** Path of the SQLite file; its folder is created when missing. */
  sqliteFile?: string;
}

/** An open, migrated database. */
export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: DatabaseDialect;
  /** Closes the pool or the file; the process can exit afterwards. */
  close(): Promise<void>;
}

/** A database connected but not yet checked or migrated. */
export interface Connection {
  readonly db: Kysely<Tables>;
  readonly dialect: DatabaseDialect;
  /** How messages name it: the file, or the server and database without credentials. */
  readonly label: string;
}

/** How long SQLite waits for another process's write lock before giving up. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** How long opening a PostgreSQL connection may take; pg waits forever by default. */
const PG_CONNECT_TIMEOUT_MS = 10_000;

/** Opens, checks and migrates the database; fails with LK_STORE_* coded errors. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { db, dialect, label } = connectDatabase(options);
  try {
    try {
      await sql`select 1`.execute(db);
    } catch (error) {
      throw StoreUnavailable({ database: label, reason: reasonOf(error) }, { cause: error });
    }
    await migrateToLatest(db, { dialect, label });
  } catch (error) {
    // A half-opened pool would keep the process alive.
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}

/**
 * Connects without checking or migrating (openDatabase does both); for tests and tools that
 * drive the migrations themselves. Connections open lazily, at the first query.
 */
export function connectDatabase(options: DatabaseOptions): Connection {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      const scheme = url.split(':')[0];
      throw StoreConfigInvalid({ reason: `${scheme}: URLs are not supported, only postgres:// and postgresql://` });
    }
    return { db: postgres(url), dialect: 'postgres', label: postgresLabel(url) };
  }
  const file = options.sqliteFile?.trim();
  if (!file) throw StoreConfigInvalid({ reason: 'neither a PostgreSQL URL nor a SQLite file is configured' });
  return { db: sqlite(file), dialect: 'sqlite', label: resolve(file) };
}

/** node-postgres, loaded only where PostgreSQL is used (most portals run on the SQLite file). */
let pgModule: typeof import('pg').default | undefined;
const pg = () => (pgModule ??= createRequire(import.meta.url)('pg') as typeof import('pg').default);

function postgres(url: string): Kysely<Tables> {
  const pool = new (pg().Pool)({
    connectionString: url,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    // Per pool rather than pg.types.setTypeParser, which would change every pg user in the process.
    types: { getTypeParser: int8AsNumber },
  });
  // An idle connection the server drops emits 'error' on the pool, which would crash the process
  // without a listener; the pool discards that connection and the next query opens a new one.
  pool.on('error', () => {});
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Reads int8 (BIGINT, COUNT(*), identity ids) as a JS number, as SQLite does: the store keeps
 * only epoch milliseconds, counts and ids there, all far below 2^53.
 */
function int8AsNumber(id: number, format?: 'text' | 'binary'): unknown {
  const { types } = pg();
  return id === types.builtins.INT8 ? Number : types.getTypeParser(id, format);
}

function sqlite(file: string): Kysely<Tables> {
  const dialect = new SqliteDialect({
    // Opened at the first query so that a bad path fails there, as a coded error, like PostgreSQL.
    database: async () => {
      // Owner-only: the file holds answer hashes, sessions and the encrypted secrets. SQLite gives
      // the -wal and -shm files the mode of the database file, so creating that one 0600 is enough.
      mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
      const database = new BetterSqlite3(file);
      // WAL lets readers (a backup, the CLI) work while the service writes.
      database.pragma('journal_mode = WAL');
      // SQLite ignores foreign keys (and so ON DELETE CASCADE) unless told per connection.
      database.pragma('foreign_keys = ON');
      database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // In WAL mode NORMAL syncs at checkpoints rather than at every commit (each commit was an
      // fsync: a tenth of a reset's first step). A crash of Latchkey loses nothing; a crash of the
      // machine itself may lose the last commits, never the database's consistency.
      database.pragma('synchronous = NORMAL');
      return withStatementCache(database);
    },
  });
  return new Kysely<Tables>({ dialect });
}

/** The server and database of a PostgreSQL URL, without user or password. */
function postgresLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}
