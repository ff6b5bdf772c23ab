/**
 * Settings on both databases: JSON values of every shape round-trip, updates replace, the
 * secret flag and the author are kept, what JSON cannot hold is refused with a coded error, and
 * a lock keeps read-modify-write transactions apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatchkeyError } from '../errors.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { createSettings } from './settings.ts';

forEachDatabase('settings', (database) => {
  test('JSON values of every shape read back equal', async () => {
    const { settings } = await database.store();
    const values: Record<string, unknown> = {
      'json.object': { smtp: { host: 'mail.example.test', port: 587, tls: true }, codes: [6, 8], none: null },
      'json.array': ['é', '漢字', '"quoted"', "it's"],
      'json.string': 'plain',
      'json.number': 12.5,
      'json.false': false,
      'json.null': null,
    };
    for (const [key, value] of Object.entries(values)) await settings.set(key, value, { now: 1 });
    for (const [key, value] of Object.entries(values)) assert.deepEqual((await settings.get(key))?.value, value, key);
  });

  test('setting again replaces value, flag, author and time', async () => {
    const { settings } = await database.store();
    await settings.set('replace.me', { a: 1 }, { secret: true, by: 'admin1', now: 1_000 });
    assert.deepEqual(await settings.get('replace.me'), { value: { a: 1 }, secret: true, updatedAt: 1_000, updatedBy: 'admin1' });
    await settings.set('replace.me', 'two', { now: 2_000 });
    assert.deepEqual(await settings.get('replace.me'), { value: 'two', secret: false, updatedAt: 2_000, updatedBy: null });
  });

  test('a secret is stored as given (the caller encrypts) and flagged', async () => {
    const { settings, db } = await database.store();
    await settings.set('directory.bindPassword', 'v1:ciphertext', { secret: true, by: 'admin', now: 5 });
    const row = await db.selectFrom('settings').selectAll().where('key', '=', 'directory.bindPassword').executeTakeFirst();
    assert.equal(row?.value, '"v1:ciphertext"');
    assert.equal(row?.secret, 1);
  });

  test('all lists every setting by key; remove deletes one', async () => {
    const { settings } = await database.store();
    await settings.set('list.b', 2, { now: 1 });
    await settings.set('list.a', 1, { now: 1 });
    const listed = (await settings.all()).filter((s) => s.key.startsWith('list.'));
    assert.deepEqual(
      listed.map((s) => [s.key, s.value]),
      [
        ['list.a', 1],
        ['list.b', 2],
      ],
    );
    assert.equal(await settings.remove('list.a'), true);
    assert.equal(await settings.remove('list.a'), false);
    assert.equal(await settings.get('list.a'), null);
  });

  test('a value JSON cannot hold is refused and nothing is stored', async () => {
    const { settings } = await database.store();
    for (const value of [undefined, () => 1, 10n]) {
      await assert.rejects(settings.set('not.json', value, { now: 1 }), (error) => {
        assert.ok(error instanceof LatchkeyError);
        assert.equal(error.code, 'LK_STORE_VALUE_NOT_JSON');
        assert.match(error.message, /setting not\.json/);
        return true;
      });
    }
    assert.equal(await settings.get('not.json'), null);
  });

  test('a value edited into invalid JSON outside Latchkey is a coded error naming the setting', async () => {
    const { settings, db } = await database.store();
    await db.insertInto('settings').values({ key: 'hand.edited', value: '{oops', updated_at: 1 }).execute();
    await assert.rejects(settings.get('hand.edited'), (error) => {
      assert.ok(error instanceof LatchkeyError);
      assert.equal(error.code, 'LK_STORE_VALUE_CORRUPT');
      assert.match(error.message, /hand\.edited/);
      return true;
    });
  });

  test('transactions that lock a setting first run one after the other: no update is lost', async () => {
    const { settings, db } = await database.store();
    await settings.set('lock.counter', 0, { now: 1 });
    const increment = () =>
      db.transaction().execute(async (trx) => {
        const inside = createSettings(trx);
        await inside.lock('lock.counter');
        const value = (await inside.get('lock.counter'))!.value as number;
        // Long enough for the others to read the same value, were they not held back.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await inside.set('lock.counter', value + 1, { now: 2 });
      });
    await Promise.all([increment(), increment(), increment()]);
    assert.equal((await settings.get('lock.counter'))?.value, 3);
  });
});
