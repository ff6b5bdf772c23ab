import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateCode, hashCode, normalizeTypedCode } from './codes.ts';

test('codes are six digits and spread over the whole range', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const code = generateCode();
    assert.match(code, /^\d{6}$/);
    seen.add(code[0]!);
  }
  assert.equal(seen.size, 10, 'every leading digit, zero included, occurs');
});

test('the stored hash depends on the key and the flow, and does not contain the code', () => {
  const key = randomBytes(32);
  const stored = hashCode(key, 'flow-1', '042317');
  assert.match(stored, /^[0-9a-f]{64}$/);
  assert.ok(!stored.includes('042317'));
  assert.equal(hashCode(key, 'flow-1', '042317'), stored);
  assert.notEqual(hashCode(key, 'flow-2', '042317'), stored, 'a code from one flow is worthless in another');
  assert.notEqual(hashCode(randomBytes(32), 'flow-1', '042317'), stored, 'without the key all million codes cannot be tried');
});

test('spaces and dashes typed in a code are ignored', () => {
  assert.equal(normalizeTypedCode(' 042-317 '), '042317');
});
