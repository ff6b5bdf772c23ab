import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Filter } from 'ldapts';
import { accountShares } from './account-shares.ts';

const NAMES = ['jsmith', 'jsmith2', 'a.b', 'x_', 'user-', 'zoë', 'Émile', '李', '0', 'svc$', 'q9', 'mary ann'];

test('the shares hold every account name exactly once, whatever characters it ends with', () => {
  for (const count of [2, 3, 5, 36]) {
    const shares = accountShares(count);
    assert.ok(shares);
    assert.equal(shares.length, count);
    for (const name of NAMES) {
      const holding: Filter[] = shares.filter((share) => share.matches({ sAMAccountName: name }) === true);
      assert.equal(holding.length, 1, `${name} in ${holding.length} of ${count} shares`);
    }
  }
});

test('the shares split a usual naming scheme roughly evenly', () => {
  const shares = accountShares(2);
  assert.ok(shares);
  const names = Array.from({ length: 1000 }, (_, index) => `user${index}`);
  const first = names.filter((name) => shares[0]!.matches({ sAMAccountName: name })).length;
  assert.equal(first, 500);
});

test('one share is no split, and a count out of range is refused', () => {
  assert.equal(accountShares(1), null);
  for (const count of [0, 1.5, 37]) assert.throws(() => accountShares(count), RangeError);
});
