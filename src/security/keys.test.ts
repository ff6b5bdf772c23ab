import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { deriveKeys, loadServerSecret } from './keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the secret file is created once, readable by the owner only, and reused', () => {
  const file = join(dir, 'data', 'secret.key');
  const first = loadServerSecret(file, {});
  assert.equal(first.length, 32);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(loadServerSecret(file, {}), first);
  assert.ok(!readFileSync(file, 'utf8').includes(first.toString('hex')), 'stored encoded, as written');
});

test('LATCHKEY_SECRET wins; a short secret is refused', async () => {
  const hex = 'ab'.repeat(32);
  assert.deepEqual(loadServerSecret(join(dir, 'unused.key'), { LATCHKEY_SECRET: hex }), Buffer.from(hex, 'hex'));
  await rejectsWithCode(Promise.resolve().then(() => loadServerSecret(join(dir, 'x'), { LATCHKEY_SECRET: 'abcd' })), 'LK_SECRET_INVALID');
  const short = join(dir, 'short.key');
  writeFileSync(short, 'c2hvcnQ=\n');
  await rejectsWithCode(Promise.resolve().then(() => loadServerSecret(short, {})), 'LK_SECRET_INVALID');
});

test('each purpose gets its own key', () => {
  const keys = deriveKeys(Buffer.alloc(32, 7));
  assert.notDeepEqual(keys.codeHash, keys.cookie);
  assert.notDeepEqual(keys.cookie, keys.decoy);
  assert.deepEqual(deriveKeys(Buffer.alloc(32, 7)), keys, 'derivation is stable across restarts');
});
