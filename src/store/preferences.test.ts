/**
 * Preferences on both databases: a value per owner and name that reads back equal, replaces,
 * and is removed; and the migration that moved the column choices out of the settings table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScratchDatabase, forEachDatabase } from '../testing/databases.ts';
import { connectDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { openStore } from './store.ts';

forEachDatabase('preferences', (database) => {
  test('a preference reads back equal, per owner and name; setting again replaces it', async () => {
    const { preferences } = await database.store();
    const mine = { hidden: ['sourceIp'], widths: { actor: 180 } };
    await preferences.set('guid-a', 'audit-columns', mine, 1);
    await preferences.set('guid-b', 'audit-columns', { hidden: [], widths: {} }, 1);
    assert.deepEqual(await preferences.get('guid-a', 'audit-columns'), mine);
    assert.equal(await preferences.get('guid-a', 'something-else'), null);
    assert.equal(await preferences.get('guid-c', 'audit-columns'), null);
    await preferences.set('guid-a', 'audit-columns', { hidden: [], widths: { at: 90 } }, 2);
    assert.deepEqual(await preferences.get('guid-a', 'audit-columns'), { hidden: [], widths: { at: 90 } });
    assert.deepEqual(await preferences.get('guid-b', 'audit-columns'), { hidden: [], widths: {} }, 'another owner is untouched');
  });

  test('a removed preference is gone, and removing it again says there was none', async () => {
    const { preferences } = await database.store();
    await preferences.set('guid-r', 'audit-columns', { hidden: ['at'] }, 1);
    assert.equal(await preferences.remove('guid-r', 'audit-columns'), true);
    assert.equal(await preferences.get('guid-r', 'audit-columns'), null);
    assert.equal(await preferences.remove('guid-r', 'audit-columns'), false);
  });

  test('the migration moves column choices kept among the settings into preferences, and nothing else', async () => {
    const scratch = await createScratchDatabase(database.dialect);
    try {
      const { db, dialect, label } = connectDatabase(scratch.options);
      try {
        await migrateToLatest(db, { dialect, label, migrations: { '0001-initial': MIGRATIONS['0001-initial']! } });
        const rows = [
          { key: 'prefs:audit:1f0e0c6a-0000-4000-8000-000000000001', value: JSON.stringify({ hidden: ['sourceIp'], widths: { actor: 200 } }), updated_at: 5 },
          { key: 'prefs:audit:1f0e0c6a-0000-4000-8000-000000000002', value: JSON.stringify({ hidden: [], widths: {} }), updated_at: 6 },
          { key: 'section:codes', value: JSON.stringify({ lifetimeMinutes: 10 }), updated_at: 7 },
        ];
        await db.insertInto('settings').values(rows).execute();
      } finally {
        await db.destroy();
      }
      const store = await openStore(scratch.options);
      try {
        assert.deepEqual(await store.preferences.get('1f0e0c6a-0000-4000-8000-000000000001', 'audit-columns'), {
          hidden: ['sourceIp'],
          widths: { actor: 200 },
        });
        assert.deepEqual(await store.preferences.get('1f0e0c6a-0000-4000-8000-000000000002', 'audit-columns'), { hidden: [], widths: {} });
        assert.deepEqual(
          (await store.settings.all()).map((setting) => setting.key),
          ['section:codes'],
          'the settings keep only settings',
        );
        const moved = await store.db.selectFrom('preferences').select(['owner', 'updated_at']).orderBy('owner').execute();
        assert.deepEqual(
          moved.map((row) => row.updated_at),
          [5, 6],
          'when each was chosen travels too',
        );
      } finally {
        await store.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});
