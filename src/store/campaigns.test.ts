/**
 * Campaign records on both databases: a claim succeeds for one caller only, whatever the race;
 * a released claim can be made again; the figures count invited, reminded and enrolled accounts;
 * a day's coverage is recorded once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

forEachDatabase('campaign records', (database) => {
  test('two instances claiming the same invitation at once: exactly one wins, first and later ones alike', async () => {
    const { campaigns } = await database.store();
    const account = { userGuid: randomUUID(), username: 'racer' };
    const first = await Promise.all([campaigns.claim(null, account, 1000), campaigns.claim(null, account, 1001)]);
    assert.deepEqual(first.filter(Boolean).length, 1, 'one first invitation');
    const seen = await campaigns.invitation(account.userGuid);
    assert.equal(seen?.sent, 1);
    const second = await Promise.all([campaigns.claim(seen, account, 2000), campaigns.claim(seen, account, 2000)]);
    assert.deepEqual(second.filter(Boolean).length, 1, 'one second invitation');
    assert.deepEqual(await campaigns.invitation(account.userGuid), { ...account, sent: 2, firstAt: seen!.firstAt, lastAt: 2000, enrolledAt: null });
    assert.equal(await campaigns.claim(seen, account, 3000), false, 'a claim from an outdated reading fails');
  });

  test('a released claim is as before, and can be claimed again', async () => {
    const { campaigns } = await database.store();
    const account = { userGuid: randomUUID(), username: 'release' };
    assert.equal(await campaigns.claim(null, account, 1000), true);
    await campaigns.release({ userGuid: account.userGuid, sent: 1, lastAt: 1000 }, null);
    assert.equal(await campaigns.invitation(account.userGuid), null);
    assert.equal(await campaigns.claim(null, account, 1100), true);
    const seen = await campaigns.invitation(account.userGuid);
    assert.equal(await campaigns.claim(seen, account, 2000), true);
    await campaigns.release({ userGuid: account.userGuid, sent: 2, lastAt: 2000 }, seen);
    assert.deepEqual(await campaigns.invitation(account.userGuid), seen);
  });

  test('figures: invited, reminded (more than one invitation), enrolled after an invitation', async () => {
    const store = await database.store();
    const before = await store.campaigns.figures();
    const once = { userGuid: randomUUID(), username: 'once' };
    const twice = { userGuid: randomUUID(), username: 'twice' };
    await store.campaigns.claim(null, once, 1);
    await store.campaigns.claim(null, twice, 1);
    await store.campaigns.claim(await store.campaigns.invitation(twice.userGuid), twice, 2);
    await store.campaigns.markEnrolled(once.userGuid, 5);
    await store.campaigns.markEnrolled(once.userGuid, 9);
    assert.equal((await store.campaigns.invitation(once.userGuid))?.enrolledAt, 5, 'the first time it was seen');
    const after = await store.campaigns.figures();
    assert.deepEqual(
      { invited: after.invited - before.invited, reminded: after.reminded - before.reminded, enrolled: after.enrolled - before.enrolled },
      { invited: 2, reminded: 1, enrolled: 1 },
    );
  });

  test('a day of coverage is recorded once, by whichever instance comes first; the history is in order', async () => {
    const { campaigns } = await database.store();
    const day = 20_000 + Math.floor(Math.random() * 1000) * 3;
    assert.deepEqual(
      await Promise.all([campaigns.recordCoverage({ day, users: 10, enrolled: 4 }, 1), campaigns.recordCoverage({ day, users: 11, enrolled: 5 }, 2)]).then(
        (taken) => taken.filter(Boolean).length,
      ),
      1,
    );
    await campaigns.recordCoverage({ day: day + 2, users: null, enrolled: 6 }, 3);
    const history = await campaigns.coverageHistory(day, day + 2);
    assert.equal(history.length, 2);
    assert.deepEqual(history[1], { day: day + 2, users: null, enrolled: 6 });
    assert.ok([4, 5].includes(history[0]!.enrolled));
  });
});
