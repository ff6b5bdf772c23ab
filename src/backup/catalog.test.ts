/**
 * The catalog read from each database: data tables only, parents first, the schema version and
 * the id high-water mark (ids of deleted rows included), and what makes a target "not empty".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIGRATIONS } from '../store/migrations/index.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { appliedMigrations, isDataTable, listColumns, listReferences, listTables, parentsFirst, sequenceMarks } from './catalog.ts';
import { occupants } from './load.ts';

describe('parentsFirst', () => {
  test('puts each table after those it references, and otherwise keeps the order', () => {
    const references = [
      { child: 'answers', parent: 'enrollments' },
      { child: 'enrollments', parent: 'users' },
      { child: 'tree', parent: 'tree' },
    ];
    assert.deepEqual(parentsFirst(['answers', 'audit', 'enrollments', 'tree', 'users'], references), ['audit', 'tree', 'users', 'enrollments', 'answers']);
  });
});

/** Every schema step of this version, in order (the list itself is checked in the store's tests). */
const MIGRATED = Object.keys(MIGRATIONS);

forEachDatabase('the catalog', (database) => {
  const event = { at: 1, category: 'admin' as const, actor: 'a', action: 'x', outcome: 'success' };

  test('a migrated database without rows counts as empty; one row makes it occupied', async () => {
    const store = await database.store();
    assert.deepEqual(await occupants(store.db, database.dialect, { migrations: MIGRATED }), []);
    assert.deepEqual(await occupants(store.db, database.dialect, { migrations: [] }), [`schema steps the backup does not have (${MIGRATED.join(', ')})`]);
    await store.throttle.hit('k', 60_000, 0);
    assert.deepEqual(await occupants(store.db, database.dialect, { migrations: MIGRATED }), ['rows in table throttle_counters']);
    await store.throttle.reset('k');
  });

  test('data tables parents first, columns in order, schema version, and the highest id ever used', async () => {
    const store = await database.store();
    const { dialect } = database;
    const tables = parentsFirst((await listTables(store.db, dialect)).filter(isDataTable), await listReferences(store.db, dialect));
    assert.deepEqual([...tables].sort(), [
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
    ]);
    assert.ok(tables.indexOf('enrollments') < tables.indexOf('enrollment_answers'));
    assert.deepEqual(await listColumns(store.db, dialect, 'throttle_counters'), ['key', 'window_started_at', 'count', 'expires_at']);
    assert.deepEqual(await listColumns(store.db, dialect, 'preferences'), ['owner', 'name', 'value', 'updated_at']);
    assert.deepEqual(await appliedMigrations(store.db, dialect), MIGRATED);
    for (let i = 0; i < 3; i++) await store.audit.record(event);
    const last = await store.audit.record(event);
    await store.db.deleteFrom('audit_events').where('id', '=', last).execute();
    assert.deepEqual(await sequenceMarks(store.db, dialect), [{ table: 'audit_events', column: 'id', value: last }]);
  });
});
