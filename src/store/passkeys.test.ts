/**
 * Passkeys on both databases: stored and read back equal, listed per owner, counted, renamed
 * and removed only by their owner, a credential id registered once, and a counter that moves
 * only from the value it was read at (two uses of one counter value cannot both pass).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import type { Passkey } from './passkeys.ts';

function passkey(userGuid: string, extra: Partial<Passkey> = {}): Omit<Passkey, 'lastUsedAt'> {
  return {
    credentialId: randomBytes(32).toString('base64url'),
    userGuid,
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    multiDevice: true,
    backedUp: false,
    name: 'Passkey added 4 Dec 2026',
    createdAt: 1_000,
    ...extra,
  };
}

forEachDatabase('passkeys', (database) => {
  test('a passkey reads back equal, by credential id and in its owner list', async () => {
    const { passkeys } = await database.store();
    const owner = randomUUID();
    const first = passkey(owner, { counter: 2 ** 32 - 1, createdAt: 1 });
    const second = passkey(owner, { transports: [], multiDevice: false, backedUp: true, name: 'Laptop', createdAt: 2 });
    assert.equal(await passkeys.add(second), true);
    assert.equal(await passkeys.add(first), true);
    await passkeys.add(passkey(randomUUID()));
    assert.deepEqual(await passkeys.get(first.credentialId), { ...first, lastUsedAt: null });
    assert.deepEqual(await passkeys.list(owner), [
      { ...first, lastUsedAt: null },
      { ...second, lastUsedAt: null },
    ]);
    assert.equal(await passkeys.count(owner), 2);
    assert.equal(await passkeys.count(randomUUID()), 0);
    assert.equal(await passkeys.get('no-such-credential'), null);
  });

  test('a credential id is registered once: a second registration changes nothing', async () => {
    const { passkeys } = await database.store();
    const mine = passkey(randomUUID());
    assert.equal(await passkeys.add(mine), true);
    assert.equal(await passkeys.add({ ...mine, userGuid: randomUUID(), name: 'Stolen' }), false);
    assert.deepEqual(await passkeys.get(mine.credentialId), { ...mine, lastUsedAt: null });
  });

  test('only the owner renames or removes a passkey; removing all removes only theirs', async () => {
    const { passkeys } = await database.store();
    const owner = randomUUID();
    const other = randomUUID();
    const mine = passkey(owner);
    const theirs = passkey(other);
    await passkeys.add(mine);
    await passkeys.add(passkey(owner));
    await passkeys.add(theirs);
    assert.equal(await passkeys.rename(other, mine.credentialId, 'Hijacked'), false);
    assert.equal(await passkeys.rename(owner, mine.credentialId, 'Work phone'), true);
    assert.equal((await passkeys.get(mine.credentialId))?.name, 'Work phone');
    assert.equal(await passkeys.remove(other, mine.credentialId), false);
    assert.equal(await passkeys.remove(owner, mine.credentialId), true);
    assert.equal(await passkeys.remove(owner, mine.credentialId), false);
    assert.equal(await passkeys.removeAll(owner), 1);
    assert.equal(await passkeys.count(owner), 0);
    assert.equal(await passkeys.count(other), 1, 'another owner keeps theirs');
  });

  test('a use moves the counter only from the value it was read at', async () => {
    const { passkeys } = await database.store();
    const key = passkey(randomUUID(), { counter: 5 });
    await passkeys.add(key);
    assert.equal(await passkeys.recordUse(key.credentialId, { expectedCounter: 5, counter: 6, backedUp: true, now: 9_000 }), true);
    assert.equal(await passkeys.recordUse(key.credentialId, { expectedCounter: 5, counter: 6, backedUp: true, now: 9_001 }), false, 'the same value twice');
    const used = await passkeys.get(key.credentialId);
    assert.deepEqual([used?.counter, used?.backedUp, used?.lastUsedAt], [6, true, 9_000]);
  });
});
