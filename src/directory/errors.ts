/**
 * The directory's coded errors. Messages are written for the person who can act on them: the
 * user for account problems, the administrator for connection and delegation problems.
 */
import { createError } from '../errors.ts';

export const DirectoryUnreachable = createError<{ server: string; reason: string }>(
  'LK_DIRECTORY_UNREACHABLE',
  (d) =>
    `The directory server ${d.server} cannot be reached (${d.reason}). Try again in a few minutes; ` +
    'if it persists, an administrator should check that the domain controller is running and reachable from Latchkey.',
  503,
);

export const DirectoryTlsFailed = createError<{ server: string; reason: string }>(
  'LK_DIRECTORY_TLS',
  (d) =>
    `The secure connection to the directory server ${d.server} failed: ${d.reason}. ` +
    "An administrator should check the CA certificate or the pinned fingerprint configured for the directory, and the server's certificate.",
  503,
);

export const DirectoryNotEncrypted = createError<{ server: string }>(
  'LK_DIRECTORY_NOT_ENCRYPTED',
  (d) =>
    `Latchkey will not send a password to ${d.server} over an unencrypted connection. ` +
    'An administrator must configure an ldaps:// URL, or an ldap:// URL with StartTLS.',
  500,
);

export const ServiceAccountRejected = createError<{ account: string; reason: string }>(
  'LK_SERVICE_ACCOUNT_REJECTED',
  (d) =>
    `The directory refused Latchkey's service account ${d.account} (${d.reason}). ` +
    'An administrator should check its name and password, and that it is enabled and not locked out.',
  503,
);

export const InvalidCredentials = createError(
  'LK_INVALID_CREDENTIALS',
  'The username or password is not correct. Check both and try again; each wrong password counts toward the account lockout.',
  401,
);

export const AccountLocked = createError(
  'LK_ACCOUNT_LOCKED',
  'This account is locked after too many wrong passwords. Unlock it here, or wait until the lockout ends.',
  403,
);

export const AccountDisabled = createError('LK_ACCOUNT_DISABLED', 'This account is disabled. Contact your helpdesk.', 403);

export const AccountExpired = createError('LK_ACCOUNT_EXPIRED', 'This account has expired. Contact your helpdesk or your manager to have it extended.', 403);

export const PasswordExpired = createError(
  'LK_PASSWORD_EXPIRED',
  'Your password has expired. Choose a new one with Change password, using your current password.',
  403,
);

export const PasswordMustChange = createError(
  'LK_PASSWORD_MUST_CHANGE',
  'You must set a new password before you can sign in. Choose a new one with Change password, using your current password.',
  403,
);

export const LogonNotPermitted = createError<{ restriction: 'logon-hours' | 'workstation' }>(
  'LK_LOGON_NOT_PERMITTED',
  (d) =>
    d.restriction === 'logon-hours'
      ? 'Your account may not sign in at this time of day. Try again during your permitted hours, or contact your helpdesk.'
      : 'Your account may not sign in from this computer. Contact your helpdesk.',
  403,
);

export const UserNotFound = createError(
  'LK_USER_NOT_FOUND',
  'No account with that name was found. Check the spelling, or try your e-mail style sign-in name (name@domain).',
  404,
);

export const AccountProtected = createError(
  'LK_ACCOUNT_PROTECTED',
  'This is a privileged account, and self-service is not available for it. Contact a domain administrator.',
  403,
);

/**
 * Which delegated right the service account lacked, for the administrator's fix. `Write x` is
 * read/write of the attribute x (Write lockoutTime, Write pwdLastSet, Write mobile ...).
 */
export type DelegatedRight = 'Reset Password' | 'Change Password' | 'Read' | `Write ${string}`;

export const InsufficientRights = createError<{ dn: string; operation: string; rights: DelegatedRight[] }>(
  'LK_INSUFFICIENT_RIGHTS',
  (d) =>
    `Latchkey's service account may not ${d.operation} for ${d.dn}. An administrator must delegate ` +
    `${d.rights.join(', ')} to the service account on the OU that holds this account ` +
    '(for a privileged account, which AdminSDHolder protects, on AdminSDHolder instead; latchkey doctor prints the commands).',
  403,
);

/** The policy rules a new password can break. */
export type PolicyRule = 'too-short' | 'complexity' | 'history' | 'min-age';

export const PasswordTooShort = createError<{ minLength?: number }>(
  'LK_PASSWORD_TOO_SHORT',
  (d) => `The new password is too short${d.minLength ? `: use at least ${d.minLength} characters` : ''}.`,
  422,
);

export const PasswordTooSimple = createError(
  'LK_PASSWORD_TOO_SIMPLE',
  'The new password is too simple. Mix at least three of: capital letters, small letters, digits and symbols, ' +
    'and do not include your username or parts of your name.',
  422,
);

export const PasswordRecentlyUsed = createError('LK_PASSWORD_RECENTLY_USED', 'You have used this password before. Choose one you have not used recently.', 422);

export const PasswordChangedTooRecently = createError(
  'LK_PASSWORD_CHANGED_TOO_RECENTLY',
  'Your password was changed too recently to change it again. Try again later, or ask your helpdesk for a reset.',
  422,
);

export const PasswordRejected = createError(
  'LK_PASSWORD_REJECTED',
  'The domain refused the new password. It may have been used recently, been changed too recently, ' +
    'or break a rule of your organisation. Try a different password.',
  422,
);

export const UserAmbiguous = createError<{ count: number }>(
  'LK_USER_AMBIGUOUS',
  (d) => `That name matches ${d.count} accounts. Sign in with your full name@domain instead; an administrator should make the account names unique.`,
  409,
);

export const GroupNotFound = createError<{ group: string }>(
  'LK_GROUP_NOT_FOUND',
  (d) =>
    `No group ${JSON.stringify(d.group)} was found in the directory. An administrator should give the group's full DN ` +
    '(CN=…,OU=…,DC=…) and check that the service account may read it.',
  404,
);

export const GroupAmbiguous = createError<{ group: string; dns: string[] }>(
  'LK_GROUP_AMBIGUOUS',
  (d) =>
    `${JSON.stringify(d.group)} names ${d.dns.length} groups: ${d.dns.join('; ')}. ` +
    'An administrator should give the full DN of the one that is meant instead of its name.',
  409,
);

export const DirectoryOperationFailed = createError<{ operation: string; resultCode: number | null; reason: string }>(
  'LK_DIRECTORY_ERROR',
  (d) => `The directory refused to ${d.operation}: ${d.reason}. Try again; if it persists, an administrator should look up this message in the Latchkey log.`,
  502,
);

export const AttributeNameInvalid = createError<{ attribute: string }>(
  'LK_ATTRIBUTE_NAME_INVALID',
  (d) =>
    `${JSON.stringify(d.attribute.slice(0, 64))} is not an attribute name (letters, digits and hyphens, starting with a letter). ` +
    'An administrator should check the profile attributes in the configuration.',
  400,
);

export const AttributeNotEditable = createError<{ attribute: string }>(
  'LK_ATTRIBUTE_NOT_EDITABLE',
  (d) =>
    `Latchkey does not change ${d.attribute}: it controls the account or its security, not the profile. ` +
    'An administrator should remove it from the editable profile attributes.',
  403,
);

export const AttributeRejected = createError<{ attributes: string[]; reason: string }>(
  'LK_ATTRIBUTE_REJECTED',
  (d) => `The directory refused the new value of ${d.attributes.join(', ')}: ${d.reason}. Check the value and try again.`,
  422,
);

export const WriteOutcomeUnknown = createError<{ server: string; operation: string; dn: string; reason: string }>(
  'LK_WRITE_OUTCOME_UNKNOWN',
  (d) =>
    `The connection to the directory server ${d.server} was lost after the request to ${d.operation} for ${d.dn} was sent, ` +
    `and the server could not be asked afterwards whether it was made (${d.reason}). The change may or may not have been made: ` +
    'check the account (for a password, try signing in with the new one) before doing it again.',
  503,
);
