/** How a user entry is read: which attributes to ask for, and how they become a DirectoryUser. */
import { fileTimeToDate, guidToString, sidToString } from './ad-values.ts';
import type { AccountState, DirectoryUser } from './directory.ts';
import type { EntryReader } from './ldap-entry.ts';

/** Attributes read for every user. The constructed ones are returned only when named. */
export const USER_ATTRIBUTES = [
  'objectGUID',
  'objectSid',
  'sAMAccountName',
  'userPrincipalName',
  'displayName',
  'givenName',
  'sn',
  'mail',
  'mobile',
  'userAccountControl',
  'msDS-User-Account-Control-Computed',
  'msDS-UserPasswordExpiryTimeComputed',
  'pwdLastSet',
  'lockoutTime',
  'badPwdCount',
  'badPasswordTime',
  'accountExpires',
  'adminCount',
  'primaryGroupID',
  'memberOf',
];

/** Binary attributes, which must not be decoded as text. */
export const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid'];

/** userAccountControl flags. */
const ACCOUNTDISABLE = 0x2;
const DONT_EXPIRE_PASSWORD = 0x10000;
/** msDS-User-Account-Control-Computed flags: the live lockout and expiry state. */
const UF_LOCKOUT = 0x10;
const UF_PASSWORD_EXPIRED = 0x800000;

/** The account state from a user entry. */
export function accountState(entry: EntryReader): AccountState {
  const uac = Number(entry.text('userAccountControl') ?? 0);
  const computed = Number(entry.text('msDS-User-Account-Control-Computed') ?? 0);
  const lockedOut = (computed & UF_LOCKOUT) !== 0;
  const mustChangePassword = entry.text('pwdLastSet') === '0';
  return {
    enabled: (uac & ACCOUNTDISABLE) === 0,
    lockedOut,
    lockedOutSince: lockedOut ? fileTimeToDate(entry.text('lockoutTime')) : null,
    mustChangePassword,
    // AD also raises the expired bit for must-change; here it means "past its maximum age".
    passwordExpired: (computed & UF_PASSWORD_EXPIRED) !== 0 && !mustChangePassword,
    passwordNeverExpires: (uac & DONT_EXPIRE_PASSWORD) !== 0,
    passwordLastSet: fileTimeToDate(entry.text('pwdLastSet')),
    passwordExpiresAt: mustChangePassword ? null : fileTimeToDate(entry.text('msDS-UserPasswordExpiryTimeComputed')),
    accountExpiresAt: fileTimeToDate(entry.text('accountExpires')),
    badPasswordCount: Number(entry.text('badPwdCount') ?? 0),
    lastBadPasswordAt: fileTimeToDate(entry.text('badPasswordTime')),
  };
}

/** A DirectoryUser from an entry read with USER_ATTRIBUTES. */
export function directoryUser(entry: EntryReader): DirectoryUser {
  const guid = entry.bytes('objectGUID');
  const sid = entry.bytes('objectSid');
  const sam = entry.text('sAMAccountName');
  if (!guid || !sid || !sam) throw new Error(`the entry ${entry.dn} lacks objectGUID, objectSid or sAMAccountName`);
  return {
    guid: guidToString(guid),
    sid: sidToString(sid),
    dn: entry.dn,
    samAccountName: sam,
    userPrincipalName: entry.text('userPrincipalName') ?? null,
    displayName: entry.text('displayName') ?? null,
    givenName: entry.text('givenName') ?? null,
    surname: entry.text('sn') ?? null,
    mail: entry.text('mail') ?? null,
    mobile: entry.text('mobile') ?? null,
    adminCount: entry.text('adminCount') === '1',
    primaryGroupId: Number(entry.text('primaryGroupID') ?? 513),
    memberOf: entry.texts('memberOf'),
    state: accountState(entry),
  };
}
