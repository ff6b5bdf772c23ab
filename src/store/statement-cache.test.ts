/**
 * The kept statements: one prepare per distinct SQL text, the same answers as preparing each
 * time, a bound on how many are kept (the least recently used goes), and a kept statement
 * that still works after the schema it was prepared against changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from './statement-cache.ts';

function counted(limit?: number) {
  const database = new BetterSqlite3(':memory:');
  let prepared = 0;
  const prepare = database.prepare.bind(database);
  database.prepare = ((text: string) => {
    prepared += 1;
    return prepare(text);
  }) as typeof database.prepare;
  const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(database, limit) }) });
  return { db, prepared: () => prepared };
}

test('a query run again with other values is prepared once and answers for its own values', async () => {
  const { db, prepared } = counted();
  await sql`create table t (id integer primary key, name text)`.execute(db);
  const before = prepared();
  for (let id = 1; id <= 20; id++)
    await db
      .insertInto('t')
      .values({ id, name: `n${id}` })
      .execute();
  for (const id of [3, 17]) assert.deepEqual(await db.selectFrom('t').select('name').where('id', '=', id).execute(), [{ name: `n${id}` }]);
  assert.equal(prepared() - before, 2);
  await db.destroy();
});

test('beyond the bound the least recently used statement is dropped and prepared again when needed', async () => {
  const { db, prepared } = counted(2);
  await sql`create table t (id integer primary key, name text)`.execute(db);
  const byId = () => db.selectFrom('t').select('name').where('id', '=', 1).execute();
  const all = () => db.selectFrom('t').selectAll().execute();
  await byId();
  await all();
  await byId(); // the most recent again: `all` is now the least recently used
  const before = prepared();
  await db.selectFrom('t').select('id').execute(); // a third text: `all` goes
  await byId();
  assert.equal(prepared() - before, 1, 'the recently used statement was kept');
  await all();
  assert.equal(prepared() - before, 2, 'the dropped one was prepared again');
  await db.destroy();
});

test('a kept statement still answers after the table it reads was changed', async () => {
  const { db } = counted();
  await sql`create table t (id integer primary key, name text)`.execute(db);
  await db.insertInto('t').values({ id: 1, name: 'a' }).execute();
  const read = () => sql<{ n: number }>`select count(*) as n from t`.execute(db);
  assert.equal((await read()).rows[0]?.n, 1);
  await sql`alter table t add column extra text`.execute(db);
  await db.insertInto('t').values({ id: 2, name: 'b' }).execute();
  assert.equal((await read()).rows[0]?.n, 2);
  await db.destroy();
});
