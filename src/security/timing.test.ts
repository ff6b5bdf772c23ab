import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withUniformDelay } from './timing.ts';

// Behaviour, not speed: the answer waits for the drawn moment, whatever the work took.
test('fast work is held back to at least the range minimum', async () => {
  const started = performance.now();
  const result = await withUniformDelay({ min: 60, max: 80 }, async () => 'done');
  assert.equal(result, 'done');
  assert.ok(performance.now() - started >= 59);
});

test('work longer than the drawn moment is reported, not hidden', async () => {
  let overrun: number | undefined;
  await withUniformDelay(
    { min: 0, max: 1 },
    () => new Promise((resolve) => setTimeout(resolve, 20)),
    (took) => (overrun = took),
  );
  assert.ok(overrun !== undefined && overrun >= 19);
});

test('with the delay off nothing is reported: every answer would be an overrun', async () => {
  let reported = false;
  await withUniformDelay(
    { min: 0, max: 0 },
    () => new Promise((resolve) => setTimeout(resolve, 5)),
    () => (reported = true),
  );
  assert.equal(reported, false);
});

test('a failure still waits, so errors take as long as successes', async () => {
  const started = performance.now();
  await assert.rejects(
    withUniformDelay({ min: 50, max: 50 }, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(performance.now() - started >= 49);
});
