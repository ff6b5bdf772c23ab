/** Validation issues keep what the console needs to say them in words: the kind and the limit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { issueFieldErrors } from './issue-errors.ts';

test('an issue becomes a field error named by its path, with its kind, limit and origin', () => {
  const schema = z.object({ codes: z.object({ lifetimeMinutes: z.number().int().min(1) }), mode: z.enum(['a', 'b']) });
  const parsed = schema.safeParse({ codes: { lifetimeMinutes: 0 }, mode: 'c' });
  assert.ok(!parsed.success);
  const [small, choice] = issueFieldErrors(parsed.error.issues);
  assert.deepEqual(small, {
    field: 'codes.lifetimeMinutes',
    code: 'LK_SETTING_INVALID',
    params: { field: 'codes.lifetimeMinutes', reason: parsed.error.issues[0]!.message, issue: 'too_small', limit: 1, origin: 'number' },
  });
  assert.equal(choice?.params?.issue, 'invalid_value');
  assert.equal(choice?.params?.allowed, 'a, b');
});
