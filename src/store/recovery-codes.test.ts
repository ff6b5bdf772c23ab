/**
 * Recovery codes on both databases: each code used once, also among concurrent uses; a new set
 * replaces the old whole; codes belong to their account.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

const NOW = 1_700_000_000_000;

forEachDatabase('recovery codes', (database) => {
  const hashes = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}-${i}`);

  test('a code is used once; the count of those left follows', async () => {
    const { recoveryCodes } = await database.store();
    const guid = randomUUID();
    assert.equal(await recoveryCodes.left(guid), 0);
    await recoveryCodes.replace({ userGuid: guid, codeHashes: hashes('a'), now: NOW });
    assert.equal(await recoveryCodes.left(guid), 10);
    assert.equal(await recoveryCodes.use({ userGuid: guid, codeHash: 'a-3', now: NOW }), true);
    assert.equal(await recoveryCodes.use({ userGuid: guid, codeHash: 'a-3', now: NOW }), false);
    assert.equal(await recoveryCodes.use({ userGuid: guid, codeHash: 'nope', now: NOW }), false);
    assert.equal(await recoveryCodes.use({ userGuid: randomUUID(), codeHash: 'a-4', now: NOW }), false, "another account's code");
    assert.equal(await recoveryCodes.left(guid), 9);
  });

  test('concurrent uses of one code: exactly one succeeds', async () => {
    const { recoveryCodes } = await database.store();
    const guid = randomUUID();
    await recoveryCodes.replace({ userGuid: guid, codeHashes: hashes('c'), now: NOW });
    const results = await Promise.all(Array.from({ length: 10 }, () => recoveryCodes.use({ userGuid: guid, codeHash: 'c-0', now: NOW })));
    assert.equal(results.filter(Boolean).length, 1, results.join(', '));
  });

  test('a new set replaces the old one, used codes included; remove clears the set', async () => {
    const { recoveryCodes } = await database.store();
    const guid = randomUUID();
    await recoveryCodes.replace({ userGuid: guid, codeHashes: hashes('old'), now: NOW });
    await recoveryCodes.use({ userGuid: guid, codeHash: 'old-0', now: NOW });
    await recoveryCodes.replace({ userGuid: guid, codeHashes: hashes('new'), now: NOW + 1 });
    assert.equal(await recoveryCodes.left(guid), 10);
    assert.equal(await recoveryCodes.use({ userGuid: guid, codeHash: 'old-1', now: NOW }), false, 'the old set is gone');
    assert.equal(await recoveryCodes.remove(guid), 10);
    assert.equal(await recoveryCodes.left(guid), 0);
  });
});
