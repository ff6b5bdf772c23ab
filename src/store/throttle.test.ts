/**
 * Throttle counters on both databases: fixed windows that restart once passed, every concurrent
 * hit counted, and purging by window end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

const WINDOW = 60_000;
const T0 = 1_700_000_000_000;

forEachDatabase('throttle counters', (database) => {
  test('hits in one window count up; peek reads without counting', async () => {
    const { throttle } = await database.store();
    assert.equal(await throttle.peek('count-up', T0), 0);
    assert.equal(await throttle.hit('count-up', WINDOW, T0), 1);
    assert.equal(await throttle.hit('count-up', WINDOW, T0 + 10), 2);
    assert.equal(await throttle.hit('count-up', WINDOW, T0 + WINDOW - 1), 3);
    assert.equal(await throttle.peek('count-up', T0 + WINDOW - 1), 3);
    assert.equal(await throttle.peek('count-up', T0 + WINDOW - 1), 3);
  });

  test('once the window has passed, the next hit starts a new window at 1', async () => {
    const { throttle } = await database.store();
    for (let i = 0; i < 5; i++) await throttle.hit('restart', WINDOW, T0 + i);
    assert.equal(await throttle.peek('restart', T0 + WINDOW), 0, 'a passed window counts nothing');
    assert.equal(await throttle.hit('restart', WINDOW, T0 + WINDOW), 1);
    // The new window runs from its first hit, not from the old window's end.
    assert.equal(await throttle.hit('restart', WINDOW, T0 + 2 * WINDOW - 1), 2);
    assert.equal(await throttle.hit('restart', WINDOW, T0 + 2 * WINDOW), 1);
  });

  test('a renewed counter lasts until a whole window passes without a hit', async () => {
    const { throttle } = await database.store();
    for (let i = 0; i < 5; i++) assert.equal(await throttle.hit('run', WINDOW, T0 + i * (WINDOW - 1), { renew: true }), i + 1);
    const last = T0 + 4 * (WINDOW - 1);
    assert.equal(await throttle.peek('run', last + WINDOW - 1), 5, 'hits closer than a window apart keep the run going');
    assert.equal(await throttle.peek('run', last + WINDOW), 0, 'a quiet window ends it');
    assert.equal(await throttle.hit('run', WINDOW, last + WINDOW, { renew: true }), 1);
  });

  test('a hit can be taken back while its window runs, never below zero', async () => {
    const { throttle } = await database.store();
    await throttle.hit('back', WINDOW, T0);
    await throttle.hit('back', WINDOW, T0);
    await throttle.release('back', T0 + 1);
    assert.equal(await throttle.peek('back', T0 + 1), 1);
    await throttle.release('back', T0 + 1);
    await throttle.release('back', T0 + 1);
    assert.equal(await throttle.peek('back', T0 + 1), 0);
    assert.equal(await throttle.hit('back', WINDOW, T0 + 2), 1);
    await throttle.release('gone', T0);
    assert.equal(await throttle.peek('gone', T0), 0, 'nothing to take back is no error');
  });

  test('keys are counted apart', async () => {
    const { throttle } = await database.store();
    await throttle.hit('ip:198.51.100.1', WINDOW, T0);
    await throttle.hit('ip:198.51.100.1', WINDOW, T0);
    assert.equal(await throttle.hit('ip:198.51.100.2', WINDOW, T0), 1);
  });

  test('concurrent hits are each counted once', async () => {
    const { throttle } = await database.store();
    const counts = await Promise.all(Array.from({ length: 20 }, () => throttle.hit('burst', WINDOW, T0)));
    assert.deepEqual(
      counts.sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(await throttle.peek('burst', T0), 20);
  });

  test('reset forgets a key', async () => {
    const { throttle } = await database.store();
    await throttle.hit('reset-me', WINDOW, T0);
    await throttle.reset('reset-me');
    assert.equal(await throttle.peek('reset-me', T0), 0);
    assert.equal(await throttle.hit('reset-me', WINDOW, T0), 1);
  });

  test('purgeExpired removes exactly the counters whose window has passed', async () => {
    const { throttle } = await database.store();
    const far = T0 + 1_000 * WINDOW; // beyond every other test's windows
    await throttle.hit('purge-old', WINDOW, far);
    await throttle.hit('purge-live', WINDOW, far + 1);
    const removed = await throttle.purgeExpired(far + WINDOW);
    assert.ok(removed >= 1);
    assert.equal(await throttle.peek('purge-live', far + WINDOW), 1);
    assert.equal(await throttle.purgeExpired(far + WINDOW), 0);
  });
});
