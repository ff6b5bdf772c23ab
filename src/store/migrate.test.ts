/**
 * Migration failures: a clear coded error that names the migration, nothing of the failed step
 * left behind, and a database that opens normally once the cause is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { LatchkeyError } from '../errors.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { connectDatabase, openDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { MIGRATIONS, type StoreMigration } from './migrations/index.ts';

/** Creates a table, then fails: the table must not survive. */
const broken: StoreMigration = {
  async up(db) {
    await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
    await sql`select * from no_such_table`.execute(db);
  },
};

/** A harmless migration this version of Latchkey does not know. */
const fromTheFuture: StoreMigration = {
  async up(db) {
    await db.schema.createTable('future').addColumn('id', 'integer').execute();
  },
};

forEachDatabase('migrations', (database) => {
  test('a failing migration is a coded error that names it and leaves none of its changes', async () => {
    const { db, dialect, label } = connectDatabase(database.options);
    try {
      await assert.rejects(migrateToLatest(db, { dialect, label, migrations: { ...MIGRATIONS, '0002-broken': broken } }), (error) => {
        assert.ok(error instanceof LatchkeyError);
        assert.equal(error.code, 'LK_STORE_MIGRATION_FAILED');
        assert.equal(error.details.migration, '0002-broken');
        assert.match(error.message, /0002-broken/);
        assert.match(error.message, /no_such_table/);
        return true;
      });
      const tables = (await db.introspection.getTables()).map((t) => t.name);
      assert.ok(!tables.includes('half_done'), `half_done survived: ${tables.join(', ')}`);
    } finally {
      await db.destroy();
    }

    // The cause gone, the same database opens and migrates as usual.
    const reopened = await openDatabase(database.options);
    await reopened.close();
  });

  test('a database migrated by a newer Latchkey is refused with a coded error', async () => {
    const { db, dialect, label } = connectDatabase(database.options);
    try {
      await migrateToLatest(db, { dialect, label, migrations: { ...MIGRATIONS, '9999-future': fromTheFuture } });
    } finally {
      await db.destroy();
    }
    await assert.rejects(openDatabase(database.options), (error) => {
      assert.ok(error instanceof LatchkeyError);
      assert.equal(error.code, 'LK_STORE_MIGRATION_FAILED');
      assert.match(error.message, /9999-future/);
      return true;
    });
  });
});
