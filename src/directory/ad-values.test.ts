import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeUnicodePwd, fileTimeToDate, guidToBytes, guidToString, intervalToMs, isGuid, ridOf, sidToBytes, sidToString } from './ad-values.ts';

describe('FILETIME values', () => {
  test('the Unix epoch and a later instant decode exactly', () => {
    assert.equal(fileTimeToDate('116444736000000000')?.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(fileTimeToDate('133485408000000000')?.toISOString(), '2024-01-01T00:00:00.000Z');
  });

  test('0, "never" and absent mean no date', () => {
    assert.equal(fileTimeToDate('0'), null);
    assert.equal(fileTimeToDate('9223372036854775807'), null);
    assert.equal(fileTimeToDate(undefined), null);
  });
});

describe('AD intervals', () => {
  test('negative 100 ns ticks become positive milliseconds', () => {
    assert.equal(intervalToMs('-18000000000'), 30 * 60 * 1000); // 30 minutes
    assert.equal(intervalToMs('-864000000000'), 24 * 3600 * 1000); // 1 day
  });

  test('the "forever" sentinel is null, zero stays zero', () => {
    assert.equal(intervalToMs('-9223372036854775808'), null);
    assert.equal(intervalToMs('0'), 0);
  });
});

describe('GUIDs', () => {
  const bytes = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

  test('the first three groups are little-endian', () => {
    assert.equal(guidToString(bytes), '03020100-0504-0706-0809-0a0b0c0d0e0f');
  });

  test('text form converts back to the stored bytes', () => {
    assert.deepEqual(guidToBytes('03020100-0504-0706-0809-0A0B0C0D0E0F'), bytes);
  });

  test('anything that is not a GUID is refused', () => {
    assert.equal(isGuid('*)(objectClass=*'), false);
    assert.throws(() => guidToBytes('03020100-0504-0706-0809'), RangeError);
    assert.throws(() => guidToString(Buffer.alloc(15)), RangeError);
  });
});

describe('SIDs', () => {
  test('a domain SID with a RID decodes to S-1-5-21-...', () => {
    const sid = Buffer.from('010500000000000515000000010000000200000003000000' + '00020000', 'hex');
    assert.equal(sidToString(sid), 'S-1-5-21-1-2-3-512');
    assert.equal(ridOf('S-1-5-21-1-2-3-512'), 512);
  });

  test('a builtin SID decodes (Administrators)', () => {
    assert.equal(sidToString(Buffer.from('01020000000000052000000020020000', 'hex')), 'S-1-5-32-544');
  });

  test('text form converts back to the stored bytes', () => {
    for (const sid of ['S-1-5-21-1-2-3-512', 'S-1-5-32-544', 'S-1-5-21-491281955-3688619090-2247780039-1105']) {
      assert.equal(sidToString(sidToBytes(sid)), sid);
    }
    assert.throws(() => sidToBytes('S-1-5-21-*'), RangeError);
  });

  test('a truncated SID is refused', () => {
    assert.throws(() => sidToString(Buffer.from('0105000000000005150000000100', 'hex')), RangeError);
  });
});

test('unicodePwd is the quoted password in UTF-16LE', () => {
  assert.deepEqual(encodeUnicodePwd('Aé1'), Buffer.from([0x22, 0, 0x41, 0, 0xe9, 0, 0x31, 0, 0x22, 0]));
});
