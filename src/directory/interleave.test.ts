import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { interleave } from './interleave.ts';

async function* slow<T>(items: T[], delayMs: number, closed?: { value: boolean }): AsyncGenerator<T> {
  try {
    for (const item of items) {
      await sleep(delayMs);
      yield item;
    }
  } finally {
    if (closed) closed.value = true;
  }
}

test('items come as their sources give them, each source in its own order', async () => {
  const seen: string[] = [];
  for await (const item of interleave([slow(['a1', 'a2', 'a3'], 30), slow(['b1', 'b2', 'b3', 'b4', 'b5'], 5)])) seen.push(item);
  assert.deepEqual(
    seen.filter((item) => item.startsWith('a')),
    ['a1', 'a2', 'a3'],
  );
  assert.deepEqual(
    seen.filter((item) => item.startsWith('b')),
    ['b1', 'b2', 'b3', 'b4', 'b5'],
  );
  assert.ok(seen.indexOf('b5') < seen.indexOf('a2'), 'the fast source is not held up by the slow one');
});

test('a failing source ends the whole with its error and closes the others', async () => {
  const closed = { value: false };
  async function* failing(): AsyncGenerator<string> {
    yield 'x';
    await sleep(10);
    throw new Error('lost the DC');
  }
  await assert.rejects(async () => {
    for await (const _ of interleave([failing(), slow(['a', 'b', 'c', 'd'], 40, closed)]));
  }, /lost the DC/);
  assert.equal(closed.value, true);
});

test('a reader that stops early closes every source', async () => {
  const closed = [{ value: false }, { value: false }];
  for await (const item of interleave([slow([1, 2, 3], 5, closed[0]), slow([4, 5, 6], 5, closed[1])])) if (item) break;
  assert.deepEqual(closed, [{ value: true }, { value: true }]);
});

test('a source failing while the reader holds an item is not an unhandled rejection: the error comes with the next item asked for', async () => {
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', note);
  try {
    async function* failsSoon(): AsyncGenerator<string> {
      yield 'first';
      await sleep(5);
      throw new Error('the DC went away');
    }
    await assert.rejects(async () => {
      for await (const _ of interleave([failsSoon(), slow(['a', 'b'], 200)])) await sleep(50);
    }, /the DC went away/);
    await sleep(10);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', note);
  }
});
