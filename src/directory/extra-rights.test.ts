import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCKOUT_TIME_GUID, PWD_LAST_SET_GUID, RESET_PASSWORD_GUID, USER_ACCOUNT_RESTRICTIONS_GUID, USER_CLASS_GUID } from './delegation.ts';
import { extraGrants, neededWrites, ownSids, passwordAgeVerdict } from './extra-rights.ts';
import {
  ACCESS_ALLOWED_ACE_TYPE,
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  ACCESS_DENIED_ACE_TYPE,
  type Ace,
  CONTAINER_INHERIT_ACE,
  GENERIC_ALL,
  GENERIC_READ,
  INHERIT_ONLY_ACE,
  INHERITED_ACE,
  RIGHT_DS_CONTROL_ACCESS,
  RIGHT_DS_READ_PROPERTY,
  RIGHT_DS_WRITE_PROPERTY,
} from './security-descriptor.ts';

const DOMAIN = 'S-1-5-21-1-2-3';
const ACCOUNT = `${DOMAIN}-1136`;
const GROUP = `${DOMAIN}-1200`;
const MOBILE_GUID = 'f0f8ffa3-1191-11d0-a060-00aa006c33ed';
const MAIL_GUID = 'bf967961-0de6-11d0-a285-00aa003049e2';
const RPWP = RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY;

function ace(mask: number, objectType: string | null = null, extra: Partial<Ace> = {}): Ace {
  return {
    type: objectType ? ACCESS_ALLOWED_OBJECT_ACE_TYPE : ACCESS_ALLOWED_ACE_TYPE,
    kind: 'allow',
    flags: CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE,
    mask,
    sid: ACCOUNT,
    objectType,
    inheritedObjectType: objectType ? USER_CLASS_GUID : null,
    ...extra,
  };
}

const sids = ownSids(ACCOUNT, [GROUP, `${DOMAIN}-513`, 'S-1-5-32-545'], DOMAIN);
const writes = neededWrites([MOBILE_GUID.toUpperCase()]);

test('the three rights, the allowed profile attributes and reading are not extra', () => {
  const dacl = [
    ace(RIGHT_DS_CONTROL_ACCESS, RESET_PASSWORD_GUID),
    ace(RPWP, LOCKOUT_TIME_GUID),
    ace(RPWP, PWD_LAST_SET_GUID),
    ace(RPWP, MOBILE_GUID),
    ace(GENERIC_READ),
    ace(RIGHT_DS_READ_PROPERTY, MAIL_GUID, { sid: GROUP }),
  ];
  assert.deepEqual(extraGrants(dacl, sids, writes), []);
});

test('writes elsewhere, other extended rights and full control are listed, for the account and its groups', () => {
  const dacl = [
    ace(RPWP, MAIL_GUID),
    ace(RIGHT_DS_CONTROL_ACCESS),
    ace(GENERIC_ALL, null, { sid: GROUP }),
    ace(0x0004_0000 | RIGHT_DS_READ_PROPERTY, null, { sid: GROUP }),
  ];
  assert.deepEqual(extraGrants(dacl, sids, writes), [
    { sid: ACCOUNT, rights: ['WP'], objectType: MAIL_GUID },
    { sid: ACCOUNT, rights: ['CA'], objectType: null },
    { sid: GROUP, rights: ['CC', 'DC', 'WS', 'WP', 'DT', 'CA', 'SD', 'WD', 'WO'], objectType: null },
    { sid: GROUP, rights: ['WD'], objectType: null },
  ]);
});

test('write on the User-Account-Restrictions property set is extra: it writes userAccountControl too, not only pwdLastSet', () => {
  assert.deepEqual(extraGrants([ace(RPWP, USER_ACCOUNT_RESTRICTIONS_GUID)], sids, writes), [
    { sid: ACCOUNT, rights: ['WP'], objectType: USER_ACCOUNT_RESTRICTIONS_GUID },
  ]);
});

test('denies, inherited ACEs and grants to the groups every account is in are left out', () => {
  const dacl = [
    ace(GENERIC_ALL, null, { kind: 'deny', type: ACCESS_DENIED_ACE_TYPE }),
    ace(GENERIC_ALL, null, { flags: CONTAINER_INHERIT_ACE | INHERITED_ACE }),
    ace(GENERIC_ALL, null, { sid: `${DOMAIN}-513` }),
    ace(GENERIC_ALL, null, { sid: 'S-1-5-11' }),
    ace(GENERIC_ALL, null, { sid: 'S-1-1-0' }),
  ];
  assert.deepEqual(extraGrants(dacl, sids, writes), []);
  assert.deepEqual([...sids], [ACCOUNT, GROUP]);
  assert.deepEqual(extraGrants(null, sids, writes), [], 'no DACL: nothing granted to the account itself');
});

test('password age: must-change fails, past the limit warns, within it passes', () => {
  const now = Date.UTC(2030, 5, 1);
  const daysAgo = (days: number) => new Date(now - days * 86_400_000);
  assert.deepEqual(passwordAgeVerdict({ mustChangePassword: true, passwordLastSet: null }, now, 180), { status: 'must-change' });
  assert.deepEqual(passwordAgeVerdict({ mustChangePassword: false, passwordLastSet: daysAgo(181) }, now, 180), { status: 'old', days: 181 });
  assert.deepEqual(passwordAgeVerdict({ mustChangePassword: false, passwordLastSet: daysAgo(180) }, now, 180), { status: 'fresh', days: 180 });
  assert.deepEqual(passwordAgeVerdict({ mustChangePassword: false, passwordLastSet: daysAgo(3) }, now, 30), { status: 'fresh', days: 3 });
  assert.deepEqual(passwordAgeVerdict({ mustChangePassword: false, passwordLastSet: null }, now, 180), { status: 'unknown' });
});
