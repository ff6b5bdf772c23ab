import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidSyntaxError,
  NoSuchAttributeError,
  NoSuchObjectError,
  UnwillingToPerformError,
} from 'ldapts';
import { attributeRejectionOf, bindFailureOf, isLostAfterSending, policyRuleOf, translateLdapError } from './ad-errors.ts';

const context = { operation: 'reset the password', server: 'ldaps://dc1:636', dn: 'CN=x', rights: ['Reset Password' as const] };
const codeOf = (error: unknown) => translateLdapError(error, context).code;

describe('bind sub-codes', () => {
  const bindError = (data: string) =>
    new InvalidCredentialsError(`80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`);

  test('every documented sub-code maps to its own reason', () => {
    const expected = {
      '52e': 'invalid-credentials',
      '525': 'user-not-found',
      '530': 'logon-hours',
      '531': 'workstation',
      '532': 'password-expired',
      '533': 'disabled',
      '701': 'account-expired',
      '773': 'must-change',
      '775': 'locked',
    };
    for (const [data, reason] of Object.entries(expected)) assert.equal(bindFailureOf(bindError(data)), reason, data);
  });

  test('a 49 without a sub-code is a wrong password; other errors are not bind failures', () => {
    assert.equal(bindFailureOf(new InvalidCredentialsError()), 'invalid-credentials');
    assert.equal(bindFailureOf(new Error('data 775')), null);
  });

  test('translated, the sub-codes become the errors a user can act on', () => {
    assert.equal(codeOf(bindError('773')), 'LK_PASSWORD_MUST_CHANGE');
    assert.equal(codeOf(bindError('775')), 'LK_ACCOUNT_LOCKED');
    assert.equal(codeOf(bindError('533')), 'LK_ACCOUNT_DISABLED');
    assert.equal(codeOf(bindError('532')), 'LK_PASSWORD_EXPIRED');
    assert.equal(codeOf(bindError('525')), 'LK_INVALID_CREDENTIALS'); // no hint that the name is unknown
  });
});

describe('password policy rejections', () => {
  const samba = (text: string) => new ConstraintViolationError(`0000052D: Constraint violation - check_password_restrictions: ${text}`);

  test("Samba's words name the rule", () => {
    assert.equal(policyRuleOf(samba('the password is too short. It should be equal or longer than 8 characters!').message), 'too-short');
    assert.equal(policyRuleOf(samba('the password does not meet the complexity criteria!').message), 'complexity');
    assert.equal(policyRuleOf(samba('the password was already used (in history)!').message), 'history');
    assert.equal(policyRuleOf(samba('password is too young to change!').message), 'min-age');
  });

  test("Windows' bare 0000052D names no rule and becomes the general rejection", () => {
    const windows = new ConstraintViolationError(
      '0000052D: AtrErr: DSID-03191083, #1: 0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)',
    );
    assert.equal(policyRuleOf(windows.message), null);
    assert.equal(codeOf(windows), 'LK_PASSWORD_REJECTED');
    // Older Windows answers unwillingToPerform with the same sub-code.
    assert.equal(codeOf(new UnwillingToPerformError('0000052D: SvcErr: DSID-031A1248, problem 5003 (WILL_NOT_PERFORM), data 0')), 'LK_PASSWORD_REJECTED');
  });

  test("Samba's stated minimum length is passed on to the user", () => {
    const error = translateLdapError(samba('the password is too short. It should be equal or longer than 12 characters!'), context);
    assert.equal(error.code, 'LK_PASSWORD_TOO_SHORT');
    assert.match(error.message, /at least 12 characters/);
  });

  test('each rule has its own code', () => {
    assert.equal(codeOf(samba('the password is too short.')), 'LK_PASSWORD_TOO_SHORT');
    assert.equal(codeOf(samba('the password does not meet the complexity criteria!')), 'LK_PASSWORD_TOO_SIMPLE');
    assert.equal(codeOf(samba('the password was already used (in history)!')), 'LK_PASSWORD_RECENTLY_USED');
    assert.equal(codeOf(samba('password is too young to change!')), 'LK_PASSWORD_CHANGED_TOO_RECENTLY');
  });
});

describe('other directory answers', () => {
  test('a wrong old password in a change (00000056) is invalid credentials', () => {
    const error = new ConstraintViolationError("00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!");
    assert.equal(codeOf(error), 'LK_INVALID_CREDENTIALS');
  });

  test('insufficient access names the operation, the object and the right to delegate', () => {
    const error = translateLdapError(new InsufficientAccessError('00002098: no write property access'), context);
    assert.equal(error.code, 'LK_INSUFFICIENT_RIGHTS');
    assert.match(error.message, /reset the password for CN=x/);
    assert.match(error.message, /delegate Reset Password/);
  });

  test("Samba's acl-module constraint violation is a rights problem too", () => {
    const error = new ConstraintViolationError('error in module acl: Constraint violation during LDB_MODIFY (19)');
    assert.equal(codeOf(error), 'LK_INSUFFICIENT_RIGHTS');
  });

  test('a password write over a plain connection is reported as such', () => {
    assert.equal(codeOf(new UnwillingToPerformError('0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0')), 'LK_DIRECTORY_NOT_ENCRYPTED');
  });

  test('a vanished object is user-not-found', () => {
    assert.equal(codeOf(new NoSuchObjectError()), 'LK_USER_NOT_FOUND');
  });

  test('socket failures are unreachable, certificate failures are TLS errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:636'), { code: 'ECONNREFUSED' });
    assert.equal(codeOf(refused), 'LK_DIRECTORY_UNREACHABLE');
    assert.equal(codeOf(new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)')), 'LK_DIRECTORY_UNREACHABLE');
    assert.equal(codeOf(new Error('ModifyRequest: Operation timed out')), 'LK_DIRECTORY_UNREACHABLE');
    const badCert = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    assert.equal(codeOf(badCert), 'LK_DIRECTORY_TLS');
    const badName = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    assert.equal(codeOf(badName), 'LK_DIRECTORY_TLS');
  });

  test('only a request sent and left unanswered is lost after sending; one that never left is not', () => {
    const sent = [
      'Connection closed before message response was received. Message type: ModifyRequest (0x66)',
      'Socket error. Message type: ModifyRequest (0x66)\nread ECONNRESET',
      'ModifyRequest: Operation timed out',
    ];
    for (const message of sent) assert.equal(isLostAfterSending(new Error(message)), true, message);
    const neverSent = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:636'), { code: 'ECONNREFUSED' }),
      new Error('Socket connection not established'),
      new Error('Connection timeout'),
      new ConstraintViolationError('Operation timed out'),
    ];
    for (const error of neverSent) assert.equal(isLostAfterSending(error), false, error.message);
  });

  test('anything else keeps the diagnostic for the log under a stable code', () => {
    const error = translateLdapError(new UnwillingToPerformError('something new'), context);
    assert.equal(error.code, 'LK_DIRECTORY_ERROR');
    assert.match(error.message, /something new/);
  });
});

describe('refused attribute values', () => {
  test("Samba's syntax refusal names the attribute it quotes", () => {
    const samba = new InvalidSyntaxError("0000200B: objectclass_attrs: attribute 'mobile' on entry 'CN=Jo,OU=Staff,DC=x' contains at least one invalid value!");
    const error = attributeRejectionOf(samba, ['telephoneNumber', 'mobile']);
    assert.equal(error?.code, 'LK_ATTRIBUTE_REJECTED');
    assert.deepEqual(error?.details.attributes, ['mobile']);
    assert.match(error!.message, /new value of mobile:/);
  });

  test("Windows' bracketed attribute is found; without one, every changed attribute is named", () => {
    const windows = new ConstraintViolationError(
      '00002082: AtrErr: DSID-03151904, #1: 0: 00002082: DSID-03151904, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 150029 (mobile)',
    );
    assert.deepEqual(attributeRejectionOf(windows, ['mobile', 'pager'])?.details.attributes, ['mobile']);
    const bare = new InvalidSyntaxError('00000057: LdapErr: DSID-0C090D8A, comment: Error in attribute conversion operation, data 0, v4563');
    assert.deepEqual(attributeRejectionOf(bare, ['mobile', 'pager'])?.details.attributes, ['mobile', 'pager']);
    assert.match(
      attributeRejectionOf(new NoSuchAttributeError("attribute 'fooBar' was not found in the schema!"), ['fooBar'])!.message,
      /no attribute of that name/,
    );
  });

  test('missing rights, password rules and other failures are not value refusals', () => {
    assert.equal(attributeRejectionOf(new InsufficientAccessError('00002098: no write property access'), ['mobile']), null);
    assert.equal(attributeRejectionOf(new ConstraintViolationError('error in module acl: Constraint violation during LDB_MODIFY (19)'), ['mobile']), null);
    assert.equal(attributeRejectionOf(new ConstraintViolationError('0000052D: Constraint violation - check_password_restrictions'), ['mobile']), null);
    assert.equal(attributeRejectionOf(new Error('Connection closed'), ['mobile']), null);
  });

  test('a missing write right names "Write <attribute>" for the administrator', () => {
    const error = translateLdapError(new InsufficientAccessError('00002098: no write property access'), {
      operation: 'change mobile',
      server: 'ldaps://dc1:636',
      dn: 'CN=x',
      rights: ['Write mobile'],
    });
    assert.match(error.message, /may not change mobile for CN=x\. An administrator must delegate Write mobile/);
  });
});
