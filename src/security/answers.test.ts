import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashAnswer, normalizeAnswer, verifyAnswer } from './answers.ts';

test('case, spacing and compatibility forms are normalised away', () => {
  assert.equal(normalizeAnswer('  Rex   the\tDog '), 'rex the dog');
  assert.equal(normalizeAnswer('ＲＥＸ'), 'rex'); // full-width letters
  assert.equal(normalizeAnswer('Cafe\u0301'), normalizeAnswer('Café')); // combining accent
});

test('answers are stored as argon2id hashes that verify only the right answer', async () => {
  const stored = await hashAnswer('Rex the Dog');
  assert.match(stored, /^\$argon2id\$/);
  assert.ok(!stored.toLowerCase().includes('rex'));
  assert.equal(await verifyAnswer(stored, ' rex THE dog'), true);
  assert.equal(await verifyAnswer(stored, 'rex the cat'), false);
});

test('with nothing stored, the check fails (after doing the same work)', async () => {
  assert.equal(await verifyAnswer(null, 'anything'), false);
  assert.equal(await verifyAnswer('not a hash', 'anything'), false);
});
