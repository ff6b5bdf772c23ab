/**
 * Expiry reminders on both databases: a reminder is claimed once whoever asks (two runs at once
 * included), a failed send gives its claim back, a sent one stays sent; a new password is a new
 * key; unsettled claims are counted; runs read back with their figures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

const key = (passwordSet = '134000000000000000', leadDays = 14) => ({ accountGuid: 'aaaaaaaa-0000-0000-0000-000000000001', passwordSet, leadDays });

forEachDatabase('expiry reminders', (database) => {
  test('a reminder is claimed once, even by runs asking at the same moment; a new password or lead day is another', async () => {
    const { expiryReminders } = await database.store();
    const claims = await Promise.all(Array.from({ length: 6 }, () => expiryReminders.claim(key(), 5_000, 100)));
    assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim wins');
    assert.equal(await expiryReminders.has(key()), true);
    assert.equal(await expiryReminders.claim(key('134000000000000001'), 5_000, 100), true, 'a new password starts a new series');
    assert.equal(await expiryReminders.claim(key(undefined, 7), 5_000, 100), true);
  });

  test('a failed send gives the claim back; a sent reminder is never released nor claimed again', async () => {
    const { expiryReminders } = await database.store();
    const failed = key('134000000000000010');
    assert.equal(await expiryReminders.claim(failed, 5_000, 100), true);
    await expiryReminders.release(failed);
    assert.equal(await expiryReminders.has(failed), false);
    assert.equal(await expiryReminders.claim(failed, 5_000, 200), true, 'the next run claims it again');
    await expiryReminders.markSent(failed, 250);
    await expiryReminders.release(failed);
    assert.equal(await expiryReminders.claim(failed, 5_000, 300), false, 'release touches only unsettled claims');
    assert.equal(await expiryReminders.sentBetween(200, 300), 1);
    assert.equal(await expiryReminders.sentBetween(251, 300), 0);
  });

  test('claims never settled are counted once old; reminders of long-expired passwords are purged', async () => {
    const { expiryReminders } = await database.store();
    await expiryReminders.claim(key('134000000000000020'), 1_000, 10);
    assert.equal(await expiryReminders.unsettled(11), 1);
    assert.equal(await expiryReminders.unsettled(10), 0);
    assert.equal(await expiryReminders.purgeExpiredBefore(1_001), 1);
    assert.equal(await expiryReminders.has(key('134000000000000020')), false);
  });

  test('runs read back with their figures; only ended runs count', async () => {
    const { expiryReminders } = await database.store();
    await expiryReminders.startRun('run-1', 1_000);
    assert.equal(await expiryReminders.lastFinished(), null, 'a run under way is not the last one');
    const summary = { scanned: 10, sent: 3, failed: 1, expired: 2, upcoming: [1, 0, 2] };
    await expiryReminders.finishRun('run-1', 'failed', summary, 'LK_MAIL_FAILED', 1_500);
    assert.equal(await expiryReminders.completeBetween(0, 10_000), null);
    await expiryReminders.startRun('run-2', 2_000);
    await expiryReminders.finishRun('run-2', 'complete', { ...summary, failed: 0 }, null, 2_500);
    assert.deepEqual(await expiryReminders.lastFinished(), {
      id: 'run-2',
      startedAt: 2_000,
      finishedAt: 2_500,
      outcome: 'complete',
      ...summary,
      failed: 0,
      detail: null,
    });
    assert.equal((await expiryReminders.completeBetween(2_000, 2_001))?.id, 'run-2');
    assert.equal(await expiryReminders.completeBetween(2_001, 10_000), null);
    assert.equal(await expiryReminders.completeBetween(0, 2_000), null);
  });
});
