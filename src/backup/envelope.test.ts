/**
 * The header and the password: the recorded scrypt parameters, a wrong password told apart from
 * a damaged header, every header byte protected, and files of other formats or versions named
 * as such, without ever running scrypt with parameters an altered header asks for.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { FORMAT_VERSION, HEADER_BYTES, lockNew, SCRYPT_COST, unlock } from './envelope.ts';

const PASSWORD = 'a long backup passphrase';

/** `header` with one field changed and its checksum made right again: what a deliberate edit looks like. */
function rewritten(header: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(header);
  copy[offset] = value;
  createHash('sha256')
    .update(copy.subarray(0, HEADER_BYTES - 16))
    .digest()
    .copy(copy, HEADER_BYTES - 16, 0, 16);
  return copy;
}

describe('backup header', () => {
  test('records the format and scrypt parameters, and opens with the password only', async (t) => {
    const locked = await lockNew(PASSWORD);
    assert.equal(locked.header.length, HEADER_BYTES);
    assert.equal(locked.header.subarray(0, 8).toString('latin1'), 'LKBACKUP');
    assert.deepEqual([...locked.header.subarray(8, 13)], [FORMAT_VERSION, 1, 17, 8, 1]);
    assert.ok(SCRYPT_COST.logN >= 17 && SCRYPT_COST.r === 8 && SCRYPT_COST.p === 1);
    const started = Date.now();
    const opened = await unlock(locked.header, PASSWORD, 'f');
    assert.ok(opened.body.key.equals(locked.body.key) && opened.body.nonce.equals(locked.body.nonce));
    assert.ok(opened.body.aad.equals(locked.header), 'the whole header is authenticated with every part');
    t.diagnostic(`scrypt 2^${SCRYPT_COST.logN}, r ${SCRYPT_COST.r}: ${Date.now() - started} ms`);
    await rejectsWithCode(unlock(locked.header, `${PASSWORD}!`, 'f'), 'LK_BACKUP_PASSWORD');
  });

  test('two files under one password share no salt, nonce or key', async () => {
    const [a, b] = await Promise.all([lockNew(PASSWORD), lockNew(PASSWORD)]);
    assert.ok(!a.body.key.equals(b.body.key));
    assert.ok(!a.body.nonce.equals(b.body.nonce));
    assert.ok(!a.header.subarray(13, 29).equals(b.header.subarray(13, 29)));
  });

  test('the password is compared in one Unicode form', async () => {
    const locked = await lockNew('Passwörter sind schön');
    await unlock(locked.header, 'Passwörter sind schön'.normalize('NFD'), 'f');
  });

  test('every flipped header byte is refused as damage (or, in the signature, as another format)', async () => {
    const { header } = await lockNew(PASSWORD);
    for (let at = 0; at < HEADER_BYTES; at++) {
      const altered = Buffer.from(header);
      altered[at]! ^= 0x10;
      await rejectsWithCode(unlock(altered, PASSWORD, 'f'), at < 8 ? 'LK_BACKUP_FORMAT' : 'LK_BACKUP_DAMAGED');
    }
  });

  test('other files, newer versions and absurd parameters are named, not tried', async () => {
    const { header } = await lockNew(PASSWORD);
    await rejectsWithCode(unlock(Buffer.from('PK\u0003\u0004 a zip file'), PASSWORD, 'f'), 'LK_BACKUP_FORMAT');
    await rejectsWithCode(unlock(Buffer.alloc(0), PASSWORD, 'f'), 'LK_BACKUP_FORMAT');
    await rejectsWithCode(unlock(header.subarray(0, 40), PASSWORD, 'f'), 'LK_BACKUP_DAMAGED');
    const newer = await rejectsWithCode(unlock(rewritten(header, 8, FORMAT_VERSION + 1), PASSWORD, 'f'), 'LK_BACKUP_FORMAT');
    assert.match(newer.message, /format version 2/);
    await rejectsWithCode(unlock(rewritten(header, 9, 7), PASSWORD, 'f'), 'LK_BACKUP_FORMAT');
    // 2^30 × 128 × 8 bytes of memory: refused before scrypt would try to allocate it.
    await rejectsWithCode(unlock(rewritten(header, 10, 30), PASSWORD, 'f'), 'LK_BACKUP_FORMAT');
    // A consistent edit of the cost is a wrong key: the password check fails.
    await rejectsWithCode(unlock(rewritten(header, 10, 16), PASSWORD, 'f'), 'LK_BACKUP_PASSWORD');
  });
});
