/**
 * Authenticator apps on both databases: one binding per account, replaced whole; a used step
 * refused the second time, also between two stores on one database (two instances) and among
 * concurrent inserts; expired steps purged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { openStore } from './store.ts';
import { totpSecretName } from './totp.ts';

const NOW = 1_700_000_000_000;

forEachDatabase('authenticator apps', (database) => {
  test('a binding is stored, replaced by the next one, and removed', async () => {
    const { totp } = await database.store();
    const guid = randomUUID();
    assert.equal(await totp.get(guid), null);
    await totp.bind({ userGuid: guid, sealedSecret: 'v1:a:first', now: NOW });
    await totp.bind({ userGuid: guid, sealedSecret: 'v1:a:second', now: NOW + 1 });
    assert.deepEqual(await totp.get(guid), { userGuid: guid, sealedSecret: 'v1:a:second', createdAt: NOW + 1 });
    assert.equal(await totp.remove(guid), true);
    assert.equal(await totp.remove(guid), false);
    assert.equal(await totp.get(guid), null);
  });

  test('a step is used once, whichever instance asks; another account or step is independent', async () => {
    const first = await database.store();
    const second = await openStore(database.options);
    try {
      const guid = randomUUID();
      const step = { userGuid: guid, step: 56_666_666, expiresAt: NOW + 90_000 };
      assert.equal(await first.totp.useStep(step), true);
      assert.equal(await second.totp.useStep(step), false, 'the second instance sees the replay');
      assert.equal(await first.totp.useStep(step), false);
      assert.equal(await second.totp.useStep({ ...step, step: step.step + 1 }), true);
      assert.equal(await second.totp.useStep({ ...step, userGuid: randomUUID() }), true);
    } finally {
      await second.close();
    }
  });

  test('concurrent uses of one step: exactly one wins', async () => {
    const { totp } = await database.store();
    const step = { userGuid: randomUUID(), step: 7, expiresAt: NOW };
    const results = await Promise.all(Array.from({ length: 10 }, () => totp.useStep(step)));
    assert.equal(results.filter(Boolean).length, 1, results.join(', '));
  });

  test('expired steps are purged, live ones kept', async () => {
    const { totp } = await database.store();
    const guid = randomUUID();
    const later = NOW + 365 * 86_400_000;
    await totp.useStep({ userGuid: guid, step: 1, expiresAt: later });
    await totp.useStep({ userGuid: guid, step: 2, expiresAt: later + 1 });
    assert.ok((await totp.purgeExpiredSteps(later)) >= 1);
    assert.equal(await totp.useStep({ userGuid: guid, step: 1, expiresAt: later }), true, 'purged, so usable again (no window reaches it)');
    assert.equal(await totp.useStep({ userGuid: guid, step: 2, expiresAt: later }), false);
  });

  test('the sealed secrets are listed and replaced by the name they were sealed under', async () => {
    const { totp } = await database.store();
    const guid = randomUUID();
    await totp.bind({ userGuid: guid, sealedSecret: 'v1:old:x', now: NOW });
    const mine = (await totp.sealed.all()).find((value) => value.name === totpSecretName(guid));
    assert.deepEqual(mine, { name: totpSecretName(guid), sealed: 'v1:old:x' });
    await totp.sealed.replace(mine.name, 'v1:new:y');
    assert.equal((await totp.get(guid))?.sealedSecret, 'v1:new:y');
  });
});
