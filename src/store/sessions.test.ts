/**
 * Sessions on both databases: data round-trips, an expired session reads as absent at once,
 * and purging removes exactly the expired ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

forEachDatabase('sessions', (database) => {
  test('data reads back until the session expires, then reads as absent', async () => {
    const { sessions } = await database.store();
    const data = { user: 'alice', flow: { step: 2, flowId: 'f-1' }, csrf: 'tok' };
    await sessions.set('s-expiry', data, NOW + HOUR);
    assert.deepEqual(await sessions.get('s-expiry', NOW), data);
    assert.deepEqual(await sessions.get('s-expiry', NOW + HOUR - 1), data);
    assert.equal(await sessions.get('s-expiry', NOW + HOUR), null);
    assert.equal(await sessions.get('s-never', NOW), null);
  });

  test('setting again replaces data and expiry (sliding sessions)', async () => {
    const { sessions } = await database.store();
    await sessions.set('s-slide', { n: 1 }, NOW + HOUR);
    await sessions.set('s-slide', { n: 2 }, NOW + 2 * HOUR);
    assert.deepEqual(await sessions.get('s-slide', NOW + HOUR + 1), { n: 2 });
  });

  test('destroy ends a session', async () => {
    const { sessions } = await database.store();
    await sessions.set('s-destroy', { user: 'bob' }, NOW + HOUR);
    await sessions.destroy('s-destroy');
    assert.equal(await sessions.get('s-destroy', NOW), null);
  });

  test('purgeExpired removes exactly the expired sessions', async () => {
    const { sessions } = await database.store();
    const far = NOW + 1_000 * HOUR; // beyond every other test's sessions
    await sessions.set('s-old', {}, far);
    await sessions.set('s-live', { keep: true }, far + 1);
    assert.ok((await sessions.purgeExpired(far)) >= 1);
    assert.deepEqual(await sessions.get('s-live', far), { keep: true });
    assert.equal(await sessions.purgeExpired(far), 0);
  });
});
