/**
 * Loading a backup's rows into the target database: its schema brought to the backup's version
 * first (so the rows fit exactly the columns they were taken from), every row inserted in one
 * transaction with its original id, the id sequences moved past every id ever handed out, and
 * only then the schema brought up to this Latchkey's version, by the ordinary migrations.
 */
import { sql } from 'kysely';
import type { Connection } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { MIGRATIONS, type StoreMigration } from '../store/migrations/index.ts';
import type { DatabaseDialect } from '../store/schema.ts';
import { type AnyDb, appliedMigrations, isDataTable, listTables, serialColumns } from './catalog.ts';
import type { BackupRecord, Manifest, Row, SequenceMark, TableShape } from './records.ts';

/**
 * Bound parameters per INSERT: below PostgreSQL's 65,535 and SQLite's 32,766, and small enough
 * that a statement stays a modest size.
 */
const MAX_PARAMETERS = 10_000;

/** The migrations a backup names that this Latchkey does not know (it was made by a newer one). */
export function unknownMigrations(names: readonly string[]): string[] {
  return names.filter((name) => !Object.hasOwn(MIGRATIONS, name));
}

/**
 * What the target database holds that a restore must not mix with, in words: tables with rows,
 * and schema steps beyond the backup's. Empty when it is safe to restore. A schema without rows
 * counts as empty, so that a restore that failed half-way can simply be run again.
 */
export async function occupants(db: AnyDb, dialect: DatabaseDialect, manifest: Pick<Manifest, 'migrations'>): Promise<string[]> {
  const found: string[] = [];
  for (const table of await listTables(db, dialect)) {
    if (!isDataTable(table)) continue;
    const { rows } = await sql`select 1 as one from ${sql.id(table)} limit 1`.execute(db);
    if (rows.length) found.push(`rows in table ${table}`);
  }
  const newer = ((await appliedMigrations(db, dialect)) ?? []).filter((name) => !manifest.migrations.includes(name));
  if (newer.length) found.push(`schema steps the backup does not have (${newer.join(', ')})`);
  return found;
}

/**
 * Loads the rows among `records` into `target` (see the module comment); returns the rows per
 * table. A failure rolls the rows back; the schema it created stays, empty.
 */
export async function loadDatabase(target: Connection, manifest: Manifest, records: AsyncIterable<BackupRecord>): Promise<Record<string, number>> {
  const { db, dialect, label } = target;
  const atBackupVersion: Record<string, StoreMigration> = Object.fromEntries(manifest.migrations.map((name) => [name, MIGRATIONS[name]!]));
  await migrateToLatest(db, { dialect, label, migrations: atBackupVersion });
  const counts: Record<string, number> = Object.fromEntries(manifest.tables.map((table) => [table.name, 0]));
  const shapes = new Map(manifest.tables.map((table) => [table.name, table]));
  await db.transaction().execute(async (trx) => {
    for await (const record of records) {
      if (record.type !== 'rows') continue;
      await insertRows(trx, dialect, shapes.get(record.table)!, record.rows);
      counts[record.table]! += record.rows.length;
    }
    await advanceSequences(trx, dialect, manifest.sequences);
  });
  await migrateToLatest(db, { dialect, label });
  return counts;
}

/** Inserts `rows` with their ids as they are; PostgreSQL must be told to accept ids for identity columns. */
async function insertRows(db: AnyDb, dialect: DatabaseDialect, table: TableShape, rows: readonly Row[]): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / table.columns.length));
  const columns = sql.join(table.columns.map((column) => sql.id(column)));
  const overriding = dialect === 'postgres' ? sql`overriding system value` : sql``;
  for (let start = 0; start < rows.length; start += perStatement) {
    const values = rows.slice(start, start + perStatement).map((row) => sql`(${sql.join(row)})`);
    await sql`insert into ${sql.id(table.name)} (${columns}) ${overriding} values ${sql.join(values)}`.execute(db);
  }
}

/**
 * Moves each id sequence past the highest id the source ever handed out and every id now in
 * its table, so that new rows (a new audit event) get ids never seen before.
 */
async function advanceSequences(db: AnyDb, dialect: DatabaseDialect, marks: readonly SequenceMark[]): Promise<void> {
  const markOf = (table: string, column: string) => marks.find((mark) => mark.table === table && mark.column === column)?.value ?? 0;
  if (dialect === 'postgres') {
    // Explicit ids do not move a PostgreSQL sequence: without this the next insert would collide.
    for (const { table, column, sequence } of await serialColumns(db)) {
      await sql`select setval(${sequence}, high, true) from (select greatest(${markOf(table, column)}, coalesce(max(${sql.id(column)}), 0)) as high from ${sql.id(table)}) as t where high > 0`.execute(
        db,
      );
    }
    return;
  }
  // SQLite's AUTOINCREMENT already follows the inserted ids; only a higher mark (purged rows) needs writing.
  for (const { table, value } of marks) {
    if (value <= 0) continue;
    const { numAffectedRows } = await sql`update sqlite_sequence set seq = max(seq, ${value}) where name = ${table}`.execute(db);
    if (!numAffectedRows) await sql`insert into sqlite_sequence (name, seq) values (${table}, ${value})`.execute(db);
  }
}
