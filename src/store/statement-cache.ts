/**
 * better-sqlite3 behind Kysely with its prepared statements kept: Kysely's SQLite driver
 * prepares every query again, a tenth of the CPU of a reset's first step. The statements are
 * kept by their SQL text (the values are bound separately, so a query's text is the same on
 * every call), the least recently used dropped beyond a bound. Reusing one is safe: Kysely runs
 * one query at a time on its single SQLite connection, a stream included.
 */
import type { Database as BetterSqlite3Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Far more than the distinct queries Latchkey runs; a list of varying length makes a text of its own. */
const STATEMENTS_KEPT = 500;

export function withStatementCache(database: BetterSqlite3Database, limit = STATEMENTS_KEPT): SqliteDatabase {
  const kept = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText) {
      let statement = kept.get(sqlText);
      if (statement) kept.delete(sqlText);
      else statement = database.prepare(sqlText);
      // Re-inserted: the Map's order is then the order of last use.
      kept.set(sqlText, statement);
      if (kept.size > limit) kept.delete(kept.keys().next().value!);
      return statement;
    },
  };
}
