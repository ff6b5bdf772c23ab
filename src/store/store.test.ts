/**
 * The store as a whole: one call opens and migrates, every repository works on that one
 * database, and close() releases it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { openStore } from './store.ts';

forEachDatabase('the store', (database) => {
  test('every repository works on the one database the store opened', async () => {
    const store = await openStore(database.options);
    try {
      assert.equal(store.dialect, database.dialect);
      await store.ping();
      await store.enrollments.save({ userGuid: 'g', username: 'u', answers: [], now: 1 });
      await store.codes.issue({ flowId: 'f', userGuid: 'g', channel: 'email', codeHash: 'h', expiresAt: 10, now: 1 });
      await store.throttle.hit('k', 10, 1);
      await store.audit.record({ at: 1, category: 'admin', actor: 'a', action: 'x', outcome: 'success' });
      await store.settings.set('s', 1, { now: 1 });
      await store.sessions.set('s', {}, 10);
      const tables = ['enrollments', 'verification_codes', 'throttle_counters', 'audit_events', 'settings', 'sessions'] as const;
      const counts = [];
      for (const table of tables) {
        const row = await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        counts.push(row.n);
      }
      assert.deepEqual(counts, [1, 1, 1, 1, 1, 1]);
    } finally {
      await store.close();
    }
    await assert.rejects(store.enrollments.count(), 'a closed store answers no more queries');
    await assert.rejects(store.ping(), 'nor a ping');
  });
});
