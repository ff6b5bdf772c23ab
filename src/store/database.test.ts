/**
 * Opening the database: migrations on a fresh database and again on a migrated one, numbers
 * from BIGINT columns, the same schema on both databases, and coded errors for bad settings.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { rejectsWithCode } from '../testing/assertions.ts';
import { createScratchDatabase, forEachDatabase, type ScratchDatabase, TEST_DIALECTS } from '../testing/databases.ts';
import { openDatabase } from './database.ts';
import type { Tables } from './schema.ts';

/** Every schema step of this version, in order. */
const MIGRATIONS = [
  '0001-initial',
  '0002-preferences',
  '0003-factors',
  '0004-passkeys',
  '0005-audit-names',
  '0006-expiry-reminders',
  '0007-campaigns',
  '0008-audit-counted-refusals',
];

const TABLES = [
  'audit_events',
  'campaign_invitations',
  'coverage_history',
  'enrollment_answers',
  'enrollments',
  'expiry_reminder_runs',
  'expiry_reminders',
  'passkeys',
  'preferences',
  'recovery_codes',
  'sessions',
  'settings',
  'throttle_counters',
  'totp_secrets',
  'totp_used_steps',
  'verification_codes',
];

/** Table name -> its columns as `name` or `name?` (nullable), sorted, without Kysely's own tables. */
async function describeSchema(db: Kysely<Tables>): Promise<Record<string, string[]>> {
  const tables = await db.introspection.getTables();
  return Object.fromEntries(
    tables.map((t) => [t.name, t.columns.map((c) => `${c.name}${c.isNullable ? '?' : ''}`).sort()] as const).sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function migrationNames(db: Kysely<Tables>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

forEachDatabase('opening the database', (database) => {
  test('a fresh database gets every table and records the migration', async () => {
    const { db, dialect, close } = await openDatabase(database.options);
    try {
      assert.equal(dialect, database.dialect);
      assert.deepEqual(Object.keys(await describeSchema(db)), TABLES);
      assert.deepEqual(await migrationNames(db), MIGRATIONS);
    } finally {
      await close();
    }
  });

  test('opening a migrated database again changes nothing and keeps the data', async () => {
    const first = await openDatabase(database.options);
    await first.db.insertInto('sessions').values({ id: 's1', data: '{}', expires_at: 1 }).execute();
    const schema = await describeSchema(first.db);
    await first.close();

    const second = await openDatabase(database.options);
    try {
      assert.deepEqual(await describeSchema(second.db), schema);
      assert.deepEqual(await migrationNames(second.db), MIGRATIONS);
      const row = await second.db.selectFrom('sessions').select('id').where('id', '=', 's1').executeTakeFirst();
      assert.equal(row?.id, 's1');
    } finally {
      await second.close();
    }
  });

  test('BIGINT timestamps and counts come back as exact JS numbers', async () => {
    const { db, close } = await openDatabase(database.options);
    try {
      const at = Date.UTC(2999, 11, 31, 23, 59, 59, 999); // past 2^32, short of 2^53
      await db.insertInto('sessions').values({ id: 'big', data: '{}', expires_at: at }).execute();
      const row = await db.selectFrom('sessions').select('expires_at').where('id', '=', 'big').executeTakeFirstOrThrow();
      assert.equal(row.expires_at, at);
      const count = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(typeof count.n, 'number');
      // Numbers per pool only: the process-wide pg parser still gives int8 as a string.
      assert.equal(pg.types.getTypeParser(pg.types.builtins.INT8)('5'), '5');
    } finally {
      await close();
    }
  });
});

test('SQLite and PostgreSQL have the same tables, columns and nullability once migrated', async () => {
  // Created here rather than in a hook, so that an unreachable server fails this test.
  const scratches: ScratchDatabase[] = [];
  try {
    const schemas = [];
    for (const dialect of TEST_DIALECTS) {
      const scratch = await createScratchDatabase(dialect);
      scratches.push(scratch);
      const { db, close } = await openDatabase(scratch.options);
      schemas.push(await describeSchema(db));
      await close();
    }
    assert.deepEqual(schemas[0], schemas[1]);
    assert.deepEqual(Object.keys(schemas[0] ?? {}), TABLES);
  } finally {
    await Promise.all(scratches.map((s) => s.drop()));
  }
});

describe('SQLite specifics', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-sqlite-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the folder is created, and WAL, foreign keys and a busy timeout are on', async () => {
    const { db, close } = await openDatabase({ sqliteFile: join(dir, 'a', 'b', 'latchkey.db') });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] ?? {})[0];
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('foreign_keys'), 1);
      assert.ok(Number(await pragma('busy_timeout')) > 0);
    } finally {
      await close();
    }
  });

  test('the file, its -wal and -shm are owner-only, in folders only the owner may enter', async () => {
    const file = join(dir, 'private', 'data', 'latchkey.db');
    // A common umask, under which files are otherwise created readable by everyone.
    const umask = process.umask(0o022);
    try {
      const { db, close } = await openDatabase({ sqliteFile: file });
      try {
        await db.insertInto('sessions').values({ id: 's1', data: '{}', expires_at: 1 }).execute();
        const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
        for (const path of [file, `${file}-wal`, `${file}-shm`]) assert.equal(await mode(path), '600', path);
        for (const folder of [join(dir, 'private'), join(dir, 'private', 'data')]) assert.equal(await mode(folder), '700', folder);
      } finally {
        await close();
      }
    } finally {
      process.umask(umask);
    }
  });

  test('a file that cannot be created is a coded error naming the file', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, '');
    const error = await rejectsWithCode(openDatabase({ sqliteFile: join(blocker, 'latchkey.db') }), 'LK_STORE_UNAVAILABLE');
    assert.match(error.message, /not-a-folder/);
  });
});

describe('database settings', () => {
  test('a URL of another database is refused rather than silently using SQLite', async () => {
    const error = await rejectsWithCode(openDatabase({ databaseUrl: 'mysql://u:hunter2@db/latchkey' }), 'LK_STORE_CONFIG');
    assert.doesNotMatch(error.message, /hunter2/);
  });

  test('no URL and no file is refused', async () => {
    await rejectsWithCode(openDatabase({ databaseUrl: ' ' }), 'LK_STORE_CONFIG');
  });

  test('an unreachable PostgreSQL is a coded error that names the server but not the password', async () => {
    // Port 1 on loopback refuses at once.
    const error = await rejectsWithCode(openDatabase({ databaseUrl: 'postgres://latchkey:hunter2@127.0.0.1:1/latchkey' }), 'LK_STORE_UNAVAILABLE');
    assert.match(error.message, /127\.0\.0\.1:1\/latchkey/);
    assert.match(error.message, /ECONNREFUSED/);
    assert.doesNotMatch(error.message, /hunter2/);
  });
});
