import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { holdsAll, keyFileText, keyRing, keyRingValue, masterKey, parseKeyRing } from './key-ring.ts';

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

test('a ring opens each value with the key whose id it carries, and names a key it lacks', async () => {
  const [old, next, stranger] = [masterKey(randomBytes(32)), masterKey(randomBytes(32)), masterKey(randomBytes(32))];
  const ring = keyRing([old, next, old]);
  assert.deepEqual(
    ring.keys.map((key) => key.id),
    [old.id, next.id],
    'a key given twice is kept once',
  );
  assert.equal(ring.id, `${old.id}+${next.id}`);
  assert.equal(ring.decrypt('secret:a', old.encrypt('secret:a', 'from the old key')), 'from the old key');
  assert.equal(ring.decrypt('secret:b', next.encrypt('secret:b', 'from the new key')), 'from the new key');
  const error = await throws(() => ring.decrypt('secret:c', stranger.encrypt('secret:c', 'x')), 'LK_MASTER_KEY_MISMATCH');
  assert.match(error.message, new RegExp(`encrypted with another master key \\(${stranger.id}, this one is ${old.id}\\+${next.id}\\)`));
  await throws(() => ring.decrypt('secret:d', 'not a ciphertext'), 'LK_SECRET_CORRUPT');
});

test('ring text: bare keys (hex or base64, as before rings), id-checked entries, commas, comments', async () => {
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const [keyA, keyB] = [masterKey(a), masterKey(b)];
  assert.equal(parseKeyRing(`${a.toString('base64')}\n`, 'f').id, keyA.id, 'a key file from before rings');
  assert.equal(parseKeyRing(a.toString('hex'), 'f').id, keyA.id);
  assert.equal(parseKeyRing(`# a comment\n${keyA.entry}   # the old one\n\n${b.toString('hex')}\n`, 'f').id, `${keyA.id}+${keyB.id}`);
  const ring = keyRing([keyA, keyB]);
  for (const text of [keyFileText(ring), keyRingValue(ring)]) assert.ok(holdsAll(parseKeyRing(text, 'f'), ring), text);
  assert.equal(keyRingValue(ring), `${keyA.entry},${keyB.entry}`);
  assert.ok(!holdsAll(keyRing([keyA]), ring) && holdsAll(ring, keyRing([keyB])));
  // A different key under a borrowed id does not pass for the key.
  assert.ok(!holdsAll(ring, keyRing([{ ...masterKey(randomBytes(32)), id: keyA.id }])));
});

test('a damaged or empty ring text is LK_MASTER_KEY_INVALID, naming where and which key', async () => {
  const key = masterKey(randomBytes(32));
  const damaged = `${key.id}:${randomBytes(32).toString('base64')}`;
  const error = await throws(() => parseKeyRing(`${key.entry}\n${damaged}\n`, '/data/master.key'), 'LK_MASTER_KEY_INVALID');
  assert.match(error.message, /\/data\/master\.key, key 2 .*does not match its id/);
  assert.match((await throws(() => parseKeyRing('too-short', 'LATCHKEY_MASTER_KEY'), 'LK_MASTER_KEY_INVALID')).message, /bytes, 32 needed/);
  assert.match((await throws(() => parseKeyRing('# nothing\n\n', 'f'), 'LK_MASTER_KEY_INVALID')).message, /holds no key/);
});
