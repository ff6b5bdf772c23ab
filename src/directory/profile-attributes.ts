/**
 * Which attribute names the profile methods accept. Names are checked before any LDAP request,
 * so a crafted name never reaches the DC, and the account and security attributes can never be
 * written through a profile change, whatever an administrator configures or the DC would allow.
 */
import { AttributeNameInvalid, AttributeNotEditable } from './errors.ts';

/** An LDAP attribute description without options: a letter, then letters, digits and hyphens. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Attributes that decide who can sign in, as whom, with what rights, or where the entry lives.
 * Lower-cased; compared case-insensitively.
 */
const NOT_EDITABLE = new Set(
  [
    'unicodePwd',
    'userPassword',
    'userAccountControl',
    'pwdLastSet',
    'lockoutTime',
    'memberOf',
    'member',
    'objectClass',
    'sAMAccountName',
    'userPrincipalName',
    'nTSecurityDescriptor',
    // Beyond the account's password and name: what else lets a writer take over or elevate it.
    'altSecurityIdentities', // certificate and Kerberos name mappings: sign in as the user
    'servicePrincipalName',
    'sIDHistory',
    'primaryGroupID',
    'adminCount',
    'accountExpires',
    'logonHours',
    'userWorkstations',
    'scriptPath',
    'profilePath',
    'homeDirectory',
    'homeDrive',
    'objectSid',
    'objectGUID',
    'distinguishedName',
    'cn',
    'name',
  ].map((name) => name.toLowerCase()),
);

/** Prefixes of AD's own attributes (ms-DS-..., msDS-..., ms-Mcs-AdmPwd ...): never profile data. */
const NOT_EDITABLE_PREFIXES = ['ms-', 'msds-'];

/** Throws LK_ATTRIBUTE_NAME_INVALID unless `name` is a plain attribute name. */
export function checkAttributeName(name: string): void {
  if (!ATTRIBUTE_NAME.test(name)) throw AttributeNameInvalid({ attribute: name });
}

/** Throws unless `name` is a plain attribute name that a profile change may write. */
export function checkEditableAttribute(name: string): void {
  checkAttributeName(name);
  const lower = name.toLowerCase();
  if (NOT_EDITABLE.has(lower) || NOT_EDITABLE_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    throw AttributeNotEditable({ attribute: name });
  }
}
