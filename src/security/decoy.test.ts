import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decoyDigits, decoyPick, nameKey } from './decoy.ts';

const key = randomBytes(32);
const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

test('the same name always gets the same decoy; case and spacing do not matter', () => {
  const seed = nameKey(key, ' JSmith ');
  assert.equal(seed, nameKey(key, 'jsmith'));
  assert.deepEqual(decoyPick(key, seed, items, 3), decoyPick(key, nameKey(key, 'jsmith'), items, 3));
  assert.equal(decoyDigits(key, seed, 'phone', 4), decoyDigits(key, seed, 'phone', 4));
});

test('picks are distinct items of the list, and differ between names', () => {
  const picks = decoyPick(key, nameKey(key, 'jsmith'), items, 3);
  assert.equal(new Set(picks).size, 3);
  assert.ok(picks.every((pick) => items.includes(pick)));
  const others = new Set(Array.from({ length: 20 }, (_, i) => decoyPick(key, nameKey(key, `user${i}`), items, 3).join()));
  assert.ok(others.size > 10, 'names do not all share one decoy');
});

test('decoys depend on the server key, so they cannot be predicted from outside', () => {
  assert.notEqual(nameKey(key, 'jsmith'), nameKey(randomBytes(32), 'jsmith'));
  assert.match(decoyDigits(key, 'x', 'phone', 4), /^\d{4}$/);
});
