/**
 * What a database holds, asked of the database itself rather than of schema.ts: a backup made
 * after a future migration then carries that migration's tables and columns without this code
 * changing, and a restore can tell an empty database from a used one. One query per question,
 * spelled for each dialect.
 */
import { type Kysely, sql } from 'kysely';
import { reasonOf, StoreUnavailable } from '../store/errors.ts';
import type { DatabaseDialect } from '../store/schema.ts';
import type { SequenceMark } from './records.ts';

/** A database seen without the store's typed schema: its tables are whatever it has. */
// biome-ignore lint/suspicious/noExplicitAny: the backup copies every table as it is, whatever its columns
export type AnyDb = Kysely<any>;

/**
 * Fails with the store's LK_STORE_UNAVAILABLE when the database cannot be reached, as opening
 * the store would: a connection only opens at the first query, and that error should name the
 * database rather than surface from the middle of a backup or restore.
 */
export async function ensureReachable(db: AnyDb, label: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    throw StoreUnavailable({ database: label, reason: reasonOf(error) }, { cause: error });
  }
}

/** Whether `table` holds Latchkey's data, as opposed to SQLite's or Kysely's bookkeeping. */
export function isDataTable(table: string): boolean {
  return !/^(sqlite_|kysely_)/.test(table);
}

/** Every table of the database (PostgreSQL: of the connection's current schema), by name. */
export async function listTables(db: AnyDb, dialect: DatabaseDialect): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`
      : sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`;
  return (await query.execute(db)).rows.map((row) => row.name);
}

/** The columns of `table`, in their declared order. */
export async function listColumns(db: AnyDb, dialect: DatabaseDialect, table: string): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`
      : sql<{
          name: string;
        }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`;
  return (await query.execute(db)).rows.map((row) => row.name);
}

/** Which table references which (foreign keys), as child → parent pairs. */
export async function listReferences(db: AnyDb, dialect: DatabaseDialect): Promise<Array<{ child: string; parent: string }>> {
  const query =
    dialect === 'sqlite'
      ? sql<{
          child: string;
          parent: string;
        }>`select m.name as child, f."table" as parent from sqlite_master m join pragma_foreign_key_list(m.name) f where m.type = 'table'`
      : sql<{
          child: string;
          parent: string;
        }>`select c.relname as child, p.relname as parent from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid where k.contype = 'f' and c.relnamespace = (select oid from pg_namespace where nspname = current_schema())`;
  return (await query.execute(db)).rows;
}

/** The migrations applied, in order; null when the database has never been migrated (no Kysely table). */
export async function appliedMigrations(db: AnyDb, dialect: DatabaseDialect): Promise<string[] | null> {
  if (!(await listTables(db, dialect)).includes('kysely_migration')) return null;
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * The highest id each auto-increment column has handed out. Kept in a backup because ids must
 * never be reused (an audit cursor names one), also those of rows purged since: max(id) alone
 * would hand out a purged id again.
 */
export async function sequenceMarks(db: AnyDb, dialect: DatabaseDialect): Promise<SequenceMark[]> {
  if (dialect === 'sqlite') {
    if (!(await listTables(db, dialect)).includes('sqlite_sequence')) return [];
    const { rows } =
      await sql<SequenceMark>`select s.name as "table", c.name as "column", s.seq as value from sqlite_sequence s join pragma_table_info(s.name) c on c.pk = 1`.execute(
        db,
      );
    return rows.filter((row) => isDataTable(row.table));
  }
  const marks: SequenceMark[] = [];
  for (const { table, column, sequence } of await serialColumns(db)) {
    // A sequence never called still holds its start value; nothing was handed out yet.
    const { rows } = await sql<{
      value: number;
    }>`select case when is_called then last_value else last_value - 1 end as value from ${sql.raw(sequence)}`.execute(db);
    marks.push({ table, column, value: Number(rows[0]!.value) });
  }
  return marks;
}

/** PostgreSQL's identity and serial columns of the current schema, with their sequences (quoted names). */
export async function serialColumns(db: AnyDb): Promise<Array<{ table: string; column: string; sequence: string }>> {
  const { rows } = await sql<{ table: string; column: string; sequence: string | null }>`
    select table_name as "table", column_name as "column", pg_get_serial_sequence(quote_ident(table_name), column_name) as sequence
    from information_schema.columns where table_schema = current_schema()`.execute(db);
  return rows.filter((row): row is { table: string; column: string; sequence: string } => row.sequence !== null && isDataTable(row.table));
}

/**
 * `tables` ordered so that each comes after the tables it references: restored in this order,
 * every foreign key finds its row. Ties keep the given order; a cycle (none in Latchkey's
 * schema) keeps its tables in the given order at the end.
 */
export function parentsFirst(tables: readonly string[], references: ReadonlyArray<{ child: string; parent: string }>): string[] {
  const ordered: string[] = [];
  const remaining = new Set(tables);
  const ready = (table: string) => references.every(({ child, parent }) => child !== table || parent === table || !remaining.has(parent));
  while (remaining.size) {
    const next = [...remaining].find(ready) ?? [...remaining][0]!;
    ordered.push(next);
    remaining.delete(next);
  }
  return ordered;
}
