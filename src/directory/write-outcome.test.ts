import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { DirectoryUnreachable } from './errors.ts';
import { type AccountMarks, changeSeen, failedWriteOutcome, type IntendedChange, passwordWrites, settleLostWrite, writeDetail } from './write-outcome.ts';

/** A replPropertyMetaDataBlob with the given (attribute id, version) entries. */
function metadata(entries: [number, number][]): Buffer {
  const blob = Buffer.alloc(16 + entries.length * 48);
  blob.writeUInt32LE(1, 0);
  blob.writeUInt32LE(entries.length, 8);
  entries.forEach(([attid, version], i) => {
    blob.writeUInt32LE(attid, 16 + i * 48);
    blob.writeUInt32LE(version, 20 + i * 48);
  });
  return blob;
}

const marks = (overrides: Partial<AccountMarks> = {}): AccountMarks => ({
  passwordWrites: 3,
  pwdLastSet: '134406345364267140',
  lockoutTime: '0',
  ...overrides,
});
const context = { server: 'ldaps://dc1:636', operation: 'reset the password', dn: 'CN=x' };
const lost = DirectoryUnreachable({ server: 'ldaps://dc1:636', reason: 'Connection closed' });

describe('the password write count', () => {
  test("is unicodePwd's version among the other attributes' entries", () => {
    assert.equal(
      passwordWrites(
        metadata([
          [0x0, 1],
          [0x9005a, 7],
          [0x90060, 2],
        ]),
      ),
      7,
    );
  });

  test('is 0 for an account whose password was never written, unknown for a blob of another kind', () => {
    assert.equal(passwordWrites(metadata([[0x0, 1]])), 0);
    assert.equal(passwordWrites(Buffer.alloc(8)), null);
    const truncated = metadata([[0x9005a, 7]]).subarray(0, 40);
    assert.equal(passwordWrites(truncated), null);
    const otherVersion = metadata([[0x9005a, 7]]);
    otherVersion.writeUInt32LE(2, 0);
    assert.equal(passwordWrites(otherVersion), null);
  });
});

describe('whether the account shows the write made', () => {
  const password = (before: AccountMarks): IntendedChange => ({ kind: 'password', before });

  test('a password: the write count went up, or did not', () => {
    assert.equal(changeSeen(password(marks()), marks({ passwordWrites: 4, pwdLastSet: '0' })), true);
    assert.equal(changeSeen(password(marks()), marks({ passwordWrites: 3 })), false);
  });

  test('a password without the metadata: pwdLastSet moved, or stayed; 0 both times cannot tell', () => {
    const before = marks({ passwordWrites: null });
    assert.equal(changeSeen(password(before), marks({ passwordWrites: null, pwdLastSet: '134406345999999999' })), true);
    assert.equal(changeSeen(password(before), marks({ passwordWrites: null, pwdLastSet: '0' })), true);
    assert.equal(changeSeen(password(before), marks({ passwordWrites: null })), false);
    const mustChangeBefore = marks({ passwordWrites: null, pwdLastSet: '0' });
    assert.equal(changeSeen(password(mustChangeBefore), marks({ passwordWrites: null, pwdLastSet: '0' })), null);
    assert.equal(changeSeen(password(marks({ pwdLastSet: null, passwordWrites: null })), marks({ passwordWrites: null })), null);
  });

  test('an unlock: lockoutTime is 0', () => {
    assert.equal(changeSeen({ kind: 'unlocked' }, marks()), true);
    assert.equal(changeSeen({ kind: 'unlocked' }, marks({ lockoutTime: '134406345364267140' })), false);
  });

  test('must change: pwdLastSet is 0 when set, a time when cleared', () => {
    assert.equal(changeSeen({ kind: 'must-change', on: true }, marks({ pwdLastSet: '0' })), true);
    assert.equal(changeSeen({ kind: 'must-change', on: true }, marks()), false);
    assert.equal(changeSeen({ kind: 'must-change', on: false }, marks()), true);
    assert.equal(changeSeen({ kind: 'must-change', on: false }, marks({ pwdLastSet: '0' })), false);
    assert.equal(changeSeen({ kind: 'must-change', on: true }, marks({ pwdLastSet: null })), null);
  });
});

describe('settling a write whose answer was lost', () => {
  const intended: IntendedChange = { kind: 'password', before: marks() };

  test('made: a receipt that says it was confirmed afterwards', async () => {
    assert.deepEqual(await settleLostWrite(intended, async () => marks({ passwordWrites: 4 }), lost, context), { confirmedAfterDrop: true });
  });

  test('not made: the connection error, as for a write that never left', async () => {
    await assert.rejects(
      settleLostWrite(intended, async () => marks(), lost, context),
      (error) => error === lost,
    );
  });

  test('the DC cannot be asked, or the account cannot tell: the outcome is unknown, naming why', async () => {
    const unreachable = await rejectsWithCode(
      settleLostWrite(intended, () => Promise.reject(DirectoryUnreachable({ server: 'ldaps://dc1:636', reason: 'ECONNREFUSED' })), lost, context),
      'LK_WRITE_OUTCOME_UNKNOWN',
    );
    assert.match(unreachable.message, /ldaps:\/\/dc1:636.*reset the password.*CN=x.*LK_DIRECTORY_UNREACHABLE.*may or may not/s);
    const noMetadata = { kind: 'password', before: marks({ passwordWrites: null, pwdLastSet: '0' }) } as const;
    const silent = await rejectsWithCode(
      settleLostWrite(noMetadata, async () => marks({ passwordWrites: null, pwdLastSet: '0' }), lost, context),
      'LK_WRITE_OUTCOME_UNKNOWN',
    );
    assert.match(silent.message, /does not show/);
  });
});

describe('what the audit says', () => {
  test('a confirmed write adds its note to the other parts; nothing gives no detail', () => {
    assert.equal(writeDetail({ confirmedAfterDrop: true }, 'must change at next logon'), 'must change at next logon; confirmed after the connection dropped');
    assert.equal(writeDetail({ confirmedAfterDrop: false }, 'signed in', undefined), 'signed in');
    assert.equal(writeDetail({ confirmedAfterDrop: false }, undefined), undefined);
  });

  test('a write that may have been made is "unknown", any other failure "failure"', async () => {
    const unknown = await settleLostWrite({ kind: 'unlocked' }, () => Promise.reject(new Error('down')), lost, context).catch((error: unknown) => error);
    assert.equal(failedWriteOutcome(unknown), 'unknown');
    assert.equal(failedWriteOutcome(lost), 'failure');
    assert.equal(failedWriteOutcome(new Error('anything')), 'failure');
  });
});
