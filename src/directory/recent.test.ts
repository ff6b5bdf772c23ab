import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Recent } from './recent.ts';

test('a value is read once while it is recent, and read again after', async () => {
  let now = 0;
  let reads = 0;
  const recent = new Recent<number>(1000, 10, () => now);
  const read = async () => ++reads;
  assert.equal(await recent.get('a', read), 1);
  now = 999;
  assert.equal(await recent.get('a', read), 1);
  now = 1000;
  assert.equal(await recent.get('a', read), 2);
  assert.equal(await recent.get('b', read), 3, 'each key apart');
});

test('callers at the same moment share one read; a failed read is not kept', async () => {
  const recent = new Recent<string>(60_000);
  let reads = 0;
  const failing = () => {
    reads++;
    return Promise.reject(new Error('DC gone'));
  };
  const both = [recent.get('k', failing), recent.get('k', failing)];
  for (const attempt of both) await assert.rejects(attempt, /DC gone/);
  assert.equal(reads, 1);
  assert.equal(await recent.get('k', async () => 'fresh'), 'fresh');
});

test('past the bound the oldest entry goes', async () => {
  const recent = new Recent<number>(60_000, 2);
  let reads = 0;
  const read = async () => ++reads;
  await recent.get('a', read);
  await recent.get('b', read);
  await recent.get('c', read);
  assert.equal(await recent.get('b', read), 2);
  assert.equal(await recent.get('a', read), 4, 'a was dropped and read again');
});
