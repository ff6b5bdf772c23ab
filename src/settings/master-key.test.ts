import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { keyFileText, keyRing, masterKey, newMasterKey, parseKeyRing } from './key-ring.ts';
import { loadMasterKey, writeKeyFile } from './master-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-masterkey-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const throws = (fn: () => unknown, code: string) => rejectsWithCode(Promise.resolve().then(fn), code);
const isRoot = process.getuid?.() === 0;
/** Another owner for the file when the test may give it one (as root), else the test's own. */
const otherOwner = isRoot ? { uid: 4242, gid: 4343 } : { uid: process.getuid!(), gid: process.getgid!() };
const ownerAndMode = (file: string) => {
  const stats = statSync(file);
  return { uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o777 };
};

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

test('LATCHKEY_MASTER_KEY may hold a ring, comma-separated', () => {
  const ring = keyRing([newMasterKey(), newMasterKey()]);
  const keys = loadMasterKey(join(dir, 'unused.key'), { env: { LATCHKEY_MASTER_KEY: ring.keys.map((key) => key.entry).join(',') } });
  assert.equal(keys.id, ring.id);
  assert.equal(keys.source, 'LATCHKEY_MASTER_KEY');
  assert.equal(keys.reload(), false, 'the environment is read once');
});

test('a key file from before rings is read as it is, and rewritten with its id when asked, keeping owner and mode', () => {
  const file = join(dir, 'old.key');
  const bytes = randomBytes(32);
  writeFileSync(file, `${bytes.toString('base64')}\n`);
  chownSync(file, otherOwner.uid, otherOwner.gid);
  chmodSync(file, 0o640);
  const keys = loadMasterKey(file, { env: {} });
  assert.equal(keys.id, masterKey(bytes).id);
  assert.equal(readFileSync(file, 'utf8'), `${bytes.toString('base64')}\n`, 'reading writes nothing (doctor, backup)');
  keys.upgradeFile();
  assert.equal(readFileSync(file, 'utf8'), keyFileText(keyRing([masterKey(bytes)])));
  assert.match(readFileSync(file, 'utf8'), new RegExp(`^${masterKey(bytes).id}:`, 'm'));
  assert.deepEqual(ownerAndMode(file), { ...otherOwner, mode: 0o640 });
  assert.equal(keys.reload(), false, 'its own rewrite is not news');
});

test('a replaced key file keeps the owner, group and mode of the old one; a new one is owner-only', () => {
  const file = join(dir, 'replaced', 'master.key');
  writeKeyFile(file, keyRing([newMasterKey()]));
  assert.equal(ownerAndMode(file).mode, 0o600);
  chownSync(file, otherOwner.uid, otherOwner.gid);
  chmodSync(file, 0o440);
  const ring = keyRing([...parseKeyRing(readFileSync(file, 'utf8'), file).keys, newMasterKey()]);
  writeKeyFile(file, ring);
  assert.deepEqual(ownerAndMode(file), { ...otherOwner, mode: 0o440 });
  assert.equal(parseKeyRing(readFileSync(file, 'utf8'), file).id, ring.id);
});

test('a running instance reads its key file again when it changes, keeps every key it held, and reports a broken file once', async () => {
  const file = join(dir, 'reloaded.key');
  const [old, next] = [newMasterKey(), newMasterKey()];
  writeKeyFile(file, keyRing([old]));
  const keys = loadMasterKey(file, { env: {} });
  const sealed = next.encrypt('secret:x', 'sealed with the new key');
  // The new key is copied in after the start: a value sealed with it opens without a restart.
  writeKeyFile(file, keyRing([old, next]));
  assert.equal(keys.decrypt('secret:x', sealed), 'sealed with the new key');
  assert.equal(keys.inSource.id, `${old.id}+${next.id}`);
  writeKeyFile(file, keyRing([next]));
  assert.equal(keys.reload(), true);
  assert.equal(keys.inSource.id, next.id, 'the file now holds only the new key');
  assert.equal(keys.id, `${old.id}+${next.id}`, 'the process still holds both');
  writeFileSync(file, 'damaged\n');
  await throws(() => keys.reload(), 'LK_MASTER_KEY_INVALID');
  assert.equal(keys.reload(), false, 'reported once, not on every poll');
  assert.equal(keys.key(old.id)?.id, old.id);
  rmSync(file);
  await throws(() => keys.reload(), 'LK_MASTER_KEY_INVALID');
});
