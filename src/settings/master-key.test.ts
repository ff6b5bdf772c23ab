import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { loadMasterKey, masterKey } from './master-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-masterkey-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const throws = (fn: () => unknown, code: string) => rejectsWithCode(Promise.resolve().then(fn), code);

test('a secret round-trips, with a fresh nonce every time', () => {
  const key = masterKey(randomBytes(32));
  const one = key.encrypt('secret:smtp.password', 'hunter2');
  const two = key.encrypt('secret:smtp.password', 'hunter2');
  assert.notEqual(one, two);
  assert.ok(!one.includes('hunter2') && !Buffer.from(one.split(':')[2]!, 'base64').includes(Buffer.from('hunter2')));
  assert.equal(key.decrypt('secret:smtp.password', one), 'hunter2');
});

test('a ciphertext moved to another setting, or altered, does not decrypt', async () => {
  const key = masterKey(randomBytes(32));
  const sealed = key.encrypt('secret:smtp.password', 'hunter2');
  await throws(() => key.decrypt('secret:directory.bindPassword', sealed), 'LK_SECRET_CORRUPT');
  const bytes = Buffer.from(sealed.split(':')[2]!, 'base64');
  bytes[14]! ^= 1;
  await throws(() => key.decrypt('secret:smtp.password', `v1:${key.id}:${bytes.toString('base64')}`), 'LK_SECRET_CORRUPT');
});

test('another key is recognised as such', async () => {
  const sealed = masterKey(randomBytes(32)).encrypt('secret:x', 'v');
  await throws(() => masterKey(randomBytes(32)).decrypt('secret:x', sealed), 'LK_MASTER_KEY_MISMATCH');
});

test('the key file is created owner-only when allowed, read back after, or taken from the environment', async () => {
  const file = join(dir, 'data', 'master.key');
  await throws(() => loadMasterKey(file, { env: {} }), 'LK_MASTER_KEY_INVALID');
  const created = loadMasterKey(file, { env: {}, create: true });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(loadMasterKey(file, { env: {} }).id, created.id);
  const fromEnv = randomBytes(32);
  assert.equal(loadMasterKey(file, { env: { LATCHKEY_MASTER_KEY: fromEnv.toString('hex') } }).id, masterKey(fromEnv).id);
  await throws(() => loadMasterKey(file, { env: { LATCHKEY_MASTER_KEY: 'too-short' } }), 'LK_MASTER_KEY_INVALID');
});
