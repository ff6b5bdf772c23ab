/**
 * The database a restore writes to. SQLite: a new file under a temporary name in the data
 * folder, renamed into place only once complete (a failed restore leaves no database behind).
 * PostgreSQL: the configured database, which must be reachable and empty.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config/schema.ts';
import { type Connection, connectDatabase } from '../store/database.ts';
import { ensureReachable } from './catalog.ts';
import { sqliteFiles } from './data-files.ts';
import { RestoreNotEmpty } from './errors.ts';
import { occupants } from './load.ts';
import type { Manifest } from './records.ts';

/** A target database, open; end it with finish() after a complete load or discard() after a failure. */
export interface RestoreTarget {
  readonly connection: Connection;
  /** Closes the database and, for SQLite, puts the file in place. */
  finish(): Promise<void>;
  /** Closes the database and, for SQLite, removes the unfinished file. */
  discard(): Promise<void>;
}

/**
 * Opens the database `config` names for a restore of `manifest`; refuses with
 * LK_RESTORE_NOT_EMPTY when a PostgreSQL database already holds data (the SQLite file's absence
 * is checked with the data folder's other files).
 */
export async function openTarget(config: Config, manifest: Manifest): Promise<RestoreTarget> {
  return config.database.url ? openPostgres(config.database.url, manifest) : openSqlite(config.dataDir);
}

async function openPostgres(url: string, manifest: Manifest): Promise<RestoreTarget> {
  const connection = connectDatabase({ databaseUrl: url });
  const close = () => connection.db.destroy();
  try {
    await ensureReachable(connection.db, connection.label);
    const found = await occupants(connection.db, 'postgres', manifest);
    if (found.length) throw RestoreNotEmpty({ target: `the database ${connection.label}`, found });
  } catch (error) {
    await close();
    throw error;
  }
  return { connection, finish: close, discard: close };
}

async function openSqlite(dataDir: string): Promise<RestoreTarget> {
  const final = sqliteFiles(dataDir)[0]!;
  const temporary = join(dataDir, `.latchkey.sqlite.${process.pid}.restoring`);
  const leftovers = sqliteFiles(temporary);
  // A temporary file of an earlier restore by a process with the same id is no one's data.
  for (const file of leftovers) await rm(file, { force: true });
  const connection = connectDatabase({ sqliteFile: temporary });
  return {
    connection,
    async finish() {
      // Out of WAL mode before closing, so that the whole database is in the one file renamed;
      // the app turns WAL back on when it opens it.
      await sql`pragma journal_mode = delete`.execute(connection.db);
      await connection.db.destroy();
      await rename(temporary, final);
    },
    async discard() {
      await connection.db.destroy();
      for (const file of leftovers) await rm(file, { force: true });
    },
  };
}
