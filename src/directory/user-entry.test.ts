import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readEntry } from './ldap-entry.ts';
import { accountState, directoryUser } from './user-entry.ts';

const NEVER = '9223372036854775807';
const JAN_2026 = '134116992000000000'; // 2026-01-01T00:00:00Z as a FILETIME

const entry = (values: Record<string, string | string[] | Buffer>) => readEntry({ dn: 'CN=Jo,OU=Staff,DC=x', ...values });

describe('account state', () => {
  test('a normal account', () => {
    const state = accountState(
      entry({ userAccountControl: '512', pwdLastSet: JAN_2026, 'msDS-UserPasswordExpiryTimeComputed': JAN_2026, accountExpires: NEVER }),
    );
    assert.deepEqual(state, {
      enabled: true,
      lockedOut: false,
      lockedOutSince: null,
      mustChangePassword: false,
      passwordExpired: false,
      passwordNeverExpires: false,
      passwordLastSet: new Date('2026-01-01T00:00:00Z'),
      passwordExpiresAt: new Date('2026-01-01T00:00:00Z'),
      accountExpiresAt: null,
      badPasswordCount: 0,
      lastBadPasswordAt: null,
    });
  });

  test('wrong passwords counted by the DC, and when the last one was', () => {
    const state = accountState(entry({ badPwdCount: '4', badPasswordTime: JAN_2026 }));
    assert.equal(state.badPasswordCount, 4);
    assert.deepEqual(state.lastBadPasswordAt, new Date('2026-01-01T00:00:00Z'));
  });

  test('disabled, and a password that never expires', () => {
    const state = accountState(entry({ userAccountControl: String(0x2 | 0x200 | 0x10000) }));
    assert.equal(state.enabled, false);
    assert.equal(state.passwordNeverExpires, true);
  });

  test('the lockout comes from the computed attribute, not from lockoutTime alone', () => {
    // lockoutTime stays set after the lockout duration passed; only the computed flag is live.
    const expired = accountState(entry({ lockoutTime: JAN_2026, 'msDS-User-Account-Control-Computed': '0' }));
    assert.equal(expired.lockedOut, false);
    assert.equal(expired.lockedOutSince, null);
    const live = accountState(entry({ lockoutTime: JAN_2026, 'msDS-User-Account-Control-Computed': '16' }));
    assert.equal(live.lockedOut, true);
    assert.deepEqual(live.lockedOutSince, new Date('2026-01-01T00:00:00Z'));
  });

  test('must change (pwdLastSet 0) is told apart from an expired password', () => {
    const mustChange = accountState(entry({ pwdLastSet: '0', 'msDS-User-Account-Control-Computed': String(0x800000) }));
    assert.equal(mustChange.mustChangePassword, true);
    assert.equal(mustChange.passwordExpired, false);
    assert.equal(mustChange.passwordExpiresAt, null);
    const expired = accountState(entry({ pwdLastSet: JAN_2026, 'msDS-User-Account-Control-Computed': String(0x800000) }));
    assert.equal(expired.mustChangePassword, false);
    assert.equal(expired.passwordExpired, true);
  });
});

test('a user entry becomes a DirectoryUser, reading attribute names in any case', () => {
  const user = directoryUser(
    entry({
      objectguid: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
      OBJECTSID: Buffer.from('010500000000000515000000010000000200000003000000e8030000', 'hex'),
      samaccountname: 'jo',
      mail: 'jo@x.test',
      memberOf: ['CN=A,DC=x', 'CN=B,DC=x'],
      adminCount: '1',
      primaryGroupID: '513',
    }),
  );
  assert.equal(user.guid, '03020100-0504-0706-0809-0a0b0c0d0e0f');
  assert.equal(user.sid, 'S-1-5-21-1-2-3-1000');
  assert.equal(user.samAccountName, 'jo');
  assert.equal(user.mail, 'jo@x.test');
  assert.equal(user.mobile, null);
  assert.deepEqual(user.memberOf, ['CN=A,DC=x', 'CN=B,DC=x']);
  assert.equal(user.adminCount, true);
});

test('an entry without a GUID is refused rather than stored under a made-up key', () => {
  assert.throws(() => directoryUser(entry({ sAMAccountName: 'jo' })), /lacks objectGUID/);
});
