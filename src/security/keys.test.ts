import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveKeys } from './keys.ts';

test('each purpose gets its own key', () => {
  const keys = deriveKeys(Buffer.alloc(32, 7));
  assert.notDeepEqual(keys.codeHash, keys.cookie);
  assert.notDeepEqual(keys.cookie, keys.decoy);
  assert.notDeepEqual(keys.decoy, keys.recoveryCode);
  assert.deepEqual(deriveKeys(Buffer.alloc(32, 7)), keys, 'derivation is stable across restarts and instances');
  assert.notDeepEqual(deriveKeys(Buffer.alloc(32, 8)).codeHash, keys.codeHash);
});
