import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatchkeyError } from '../errors.ts';
import { checkAttributeName, checkEditableAttribute } from './profile-attributes.ts';

const codeOf = (check: () => void) => {
  try {
    check();
    return null;
  } catch (error) {
    assert.ok(error instanceof LatchkeyError, String(error));
    return error.code;
  }
};

test('plain attribute names pass', () => {
  for (const name of ['mobile', 'telephoneNumber', 'manager', 'extensionAttribute1', 'x-custom-attr']) {
    assert.equal(
      codeOf(() => checkEditableAttribute(name)),
      null,
      name,
    );
  }
});

test('anything but a plain name is refused: options, filter and DN syntax, spaces, empty', () => {
  for (const name of [
    '',
    ' ',
    'mobile;binary',
    'mobile;range=0-10',
    'mo bile',
    '1mobile',
    '-mobile',
    'mobile)(cn=*',
    'mobile*',
    'a_b',
    'cn=x',
    '2.5.4.3',
    'mobile\n',
    'mobilé',
  ]) {
    assert.equal(
      codeOf(() => checkAttributeName(name)),
      'LK_ATTRIBUTE_NAME_INVALID',
      JSON.stringify(name),
    );
    assert.equal(
      codeOf(() => checkEditableAttribute(name)),
      'LK_ATTRIBUTE_NAME_INVALID',
      JSON.stringify(name),
    );
  }
});

test('account and security attributes are never editable, in any case', () => {
  const named = [
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
  ];
  const alsoRefused = ['altSecurityIdentities', 'servicePrincipalName', 'sIDHistory', 'primaryGroupID', 'adminCount', 'scriptPath', 'cn'];
  for (const name of [
    ...named,
    ...alsoRefused,
    'UNICODEPWD',
    'useraccountcontrol',
    'msDS-AllowedToActOnBehalfOfOtherIdentity',
    'msds-SupportedEncryptionTypes',
    'ms-Mcs-AdmPwd',
    'MS-DS-ConsistencyGuid',
  ]) {
    assert.equal(
      codeOf(() => checkEditableAttribute(name)),
      'LK_ATTRIBUTE_NOT_EDITABLE',
      name,
    );
  }
});

test('names that only resemble a refused one are not caught by it', () => {
  for (const name of ['msExchAssistantName', 'mobileNumber', 'memberNote']) {
    assert.equal(
      codeOf(() => checkEditableAttribute(name)),
      null,
      name,
    );
  }
});

test('reading checks the name only: any plain attribute may be read', () => {
  assert.equal(
    codeOf(() => checkAttributeName('memberOf')),
    null,
  );
  assert.equal(
    codeOf(() => checkAttributeName('msDS-UserPasswordExpiryTimeComputed')),
    null,
  );
});
