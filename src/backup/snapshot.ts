/**
 * A consistent, read-only view of the source database for the time a backup takes, while the
 * portal keeps running. SQLite: an online backup (better-sqlite3's backup()) into a file of the
 * work folder, then every table read from that copy. PostgreSQL: every table read inside one
 * REPEATABLE READ, READ ONLY transaction, so all see the same moment. Rows are read in batches
 * (a cursor on PostgreSQL), never a whole table at once.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { connectDatabase, type DatabaseOptions } from '../store/database.ts';
import type { DatabaseDialect } from '../store/schema.ts';
import {
  type AnyDb,
  appliedMigrations,
  ensureReachable,
  isDataTable,
  listColumns,
  listReferences,
  listTables,
  parentsFirst,
  sequenceMarks,
} from './catalog.ts';
import { BackupSourceMissing } from './errors.ts';
import { isValue, type Row, type SequenceMark, type TableShape, type Value } from './records.ts';

/** The source database as of one moment. */
export interface Snapshot {
  readonly dialect: DatabaseDialect;
  /** The database as messages name it (never with a password). */
  readonly label: string;
  /** The schema version: the migrations applied. */
  readonly migrations: string[];
  /** Every data table with its columns, parents before children. */
  readonly tables: TableShape[];
  readonly sequences: SequenceMark[];
  /** The rows of `table` in batches of at most `size`, values in the order of its columns. */
  rows(table: TableShape, size: number): AsyncGenerator<Row[]>;
}

/**
 * Runs `use` on a snapshot of the database `options` name. `workDir` holds the SQLite copy
 * (the caller removes it); it should be on a disk with room for the database, not in memory.
 */
export async function withSnapshot<T>(options: DatabaseOptions, workDir: string, use: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  return options.databaseUrl ? withPostgresSnapshot(options.databaseUrl, use) : withSqliteSnapshot(options.sqliteFile ?? '', workDir, use);
}

async function withSqliteSnapshot<T>(file: string, workDir: string, use: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  const label = resolve(file);
  // Opening a missing file would create an empty database: that is not something to back up.
  if (!existsSync(file)) throw BackupSourceMissing({ database: label });
  const copy = join(workDir, 'snapshot.sqlite');
  const source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(copy);
  } finally {
    source.close();
  }
  const database = new BetterSqlite3(copy, { readonly: true });
  const db: AnyDb = new Kysely({ dialect: new SqliteDialect({ database }) });
  try {
    // Rows straight from better-sqlite3's iterator, as arrays: nothing is held but the batch.
    const rows = async function* (table: TableShape, size: number) {
      yield* batches(database.prepare(selectAll(table).compile(db).sql).raw(true).iterate() as Iterable<unknown[]>, table, size);
    };
    return await use(await describe(db, 'sqlite', label, rows));
  } finally {
    await db.destroy();
  }
}

async function withPostgresSnapshot<T>(url: string, use: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  const { db, label } = connectDatabase({ databaseUrl: url });
  try {
    await ensureReachable(db, label);
    return await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => use(await describe(trx, 'postgres', label, (table, size) => cursorRows(trx, table, size))));
  } finally {
    await db.destroy();
  }
}

async function describe(db: AnyDb, dialect: DatabaseDialect, label: string, rows: Snapshot['rows']): Promise<Snapshot> {
  const migrations = await appliedMigrations(db, dialect);
  // Without Kysely's table this was never a Latchkey database (an empty file, another schema).
  if (!migrations) throw BackupSourceMissing({ database: label });
  const names = parentsFirst((await listTables(db, dialect)).filter(isDataTable), await listReferences(db, dialect));
  const tables: TableShape[] = [];
  for (const name of names) tables.push({ name, columns: await listColumns(db, dialect, name) });
  return { dialect, label, migrations, tables, sequences: await sequenceMarks(db, dialect), rows };
}

function selectAll(table: TableShape) {
  return sql`select ${sql.join(table.columns.map((column) => sql.id(column)))} from ${sql.id(table.name)}`;
}

/** PostgreSQL: a cursor inside the snapshot's transaction, fetched `size` rows at a time. */
async function* cursorRows(trx: AnyDb, table: TableShape, size: number): AsyncGenerator<Row[]> {
  const cursor = sql.id(`latchkey_backup_${table.name}`);
  await sql`declare ${cursor} no scroll cursor for ${selectAll(table)}`.execute(trx);
  try {
    for (;;) {
      const { rows } = await sql<Record<string, unknown>>`fetch forward ${sql.lit(size)} from ${cursor}`.execute(trx);
      if (rows.length === 0) return;
      yield rows.map((row) => table.columns.map((column) => toValue(row[column], table, column)));
    }
  } finally {
    // After a failed statement the transaction is aborted and so is the cursor; that error is the one to report.
    await sql`close ${cursor}`.execute(trx).catch(() => undefined);
  }
}

async function* batches(rows: Iterable<unknown[]>, table: TableShape, size: number): AsyncGenerator<Row[]> {
  let batch: Row[] = [];
  for (const row of rows) {
    batch.push(row.map((value, index) => toValue(value, table, table.columns[index]!)));
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** A value as a backup holds it; anything the store never writes is refused rather than mangled. */
function toValue(value: unknown, table: TableShape, column: string): Value {
  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value);
  if (isValue(value)) return value;
  throw new Error(`${table.name}.${column} holds a ${typeof value} value, which a Latchkey backup cannot carry`);
}
