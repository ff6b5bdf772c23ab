/**
 * Translation of what AD and the network say (LDAP result codes, AD's hex sub-codes such as
 * `data 773` and `0000052D`, socket and TLS errors) into Latchkey's coded errors.
 */
import { InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { LatchkeyError } from '../errors.ts';
import type { BindFailure } from './directory.ts';
import {
  AccountDisabled,
  AccountExpired,
  AccountLocked,
  AttributeRejected,
  type DelegatedRight,
  DirectoryNotEncrypted,
  DirectoryOperationFailed,
  DirectoryTlsFailed,
  DirectoryUnreachable,
  InsufficientRights,
  InvalidCredentials,
  LogonNotPermitted,
  PasswordChangedTooRecently,
  PasswordExpired,
  PasswordMustChange,
  PasswordRecentlyUsed,
  PasswordRejected,
  PasswordTooShort,
  PasswordTooSimple,
  type PolicyRule,
  UserNotFound,
} from './errors.ts';

/** AD's bind sub-codes: the hex after "data" in an invalidCredentials (49) diagnostic. */
const BIND_SUBCODES: Readonly<Record<string, BindFailure>> = {
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

/** The bind failure an LDAP error stands for, or null when it is not a credentials failure. */
export function bindFailureOf(error: unknown): BindFailure | null {
  if (!(error instanceof InvalidCredentialsError)) return null;
  const subcode = /\bdata ([0-9a-f]+)\b/i.exec(error.message)?.[1]?.toLowerCase();
  // A 49 without a known sub-code is still a wrong password as far as the user can tell.
  return (subcode && BIND_SUBCODES[subcode]) || 'invalid-credentials';
}

/** The coded error to show for a bind failure. */
export function bindFailureError(reason: BindFailure): LatchkeyError {
  switch (reason) {
    case 'invalid-credentials':
    case 'user-not-found':
      // AD answers 525 only for names it cannot resolve; to the user that is a wrong name or password.
      return InvalidCredentials({});
    case 'logon-hours':
    case 'workstation':
      return LogonNotPermitted({ restriction: reason });
    case 'password-expired':
      return PasswordExpired({});
    case 'disabled':
      return AccountDisabled({});
    case 'account-expired':
      return AccountExpired({});
    case 'must-change':
      return PasswordMustChange({});
    case 'locked':
      return AccountLocked({});
  }
}

/**
 * Which policy rule a DC's rejection names. Samba says it in words; Windows only says
 * 0000052D, in which case this returns null and the caller explains from the policy.
 */
export function policyRuleOf(diagnostic: string): PolicyRule | null {
  if (!/0000052D/i.test(diagnostic)) return null;
  if (/too short/i.test(diagnostic)) return 'too-short';
  if (/complexity/i.test(diagnostic)) return 'complexity';
  if (/already used|history/i.test(diagnostic)) return 'history';
  if (/too young/i.test(diagnostic)) return 'min-age';
  return null;
}

/** The coded error for a broken policy rule (null: the DC did not say which). */
export function policyRuleError(rule: PolicyRule | null, minLength?: number): LatchkeyError {
  switch (rule) {
    case 'too-short':
      return PasswordTooShort(minLength === undefined ? {} : { minLength });
    case 'complexity':
      return PasswordTooSimple({});
    case 'history':
      return PasswordRecentlyUsed({});
    case 'min-age':
      return PasswordChangedTooRecently({});
    case null:
      return PasswordRejected({});
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_STREAM_DESTROYED',
]);

/** ldapts reports a lost or failed connection with plain Errors carrying these texts. */
const CONNECTION_MESSAGES = /Connection timeout|Connection closed|Socket error|Socket connection not established|Operation timed out/;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A TLS verification or handshake failure (bad CA, name mismatch, expired, pin mismatch). */
export function isTlsError(error: unknown): boolean {
  const code = errorCode(error);
  return (
    (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME|PIN/.test(code)) ||
    (error instanceof Error && /certificate|SSL routines|handshake/i.test(error.message) && !(error instanceof ResultCodeError))
  );
}

/** The connection to the DC is gone or never came up. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ResultCodeError) return false;
  const code = errorCode(error);
  return (code !== undefined && NETWORK_CODES.has(code)) || (error instanceof Error && CONNECTION_MESSAGES.test(error.message));
}

/** ldapts's words for a request that was written to the socket but got no answer. */
const UNANSWERED_MESSAGES = /Connection closed before message response|Socket error\. Message type|Operation timed out/;

/**
 * The connection was lost after the request was sent: the DC may or may not have carried it out.
 * Other connection errors (no connection could be made, the socket was already closed) mean the
 * request never left.
 */
export function isLostAfterSending(error: unknown): boolean {
  return isConnectionError(error) && error instanceof Error && UNANSWERED_MESSAGES.test(error.message);
}

/** What was being done when an error happened, so the translation can name it. */
export interface OperationContext {
  /** In words, after "may not" / "refused to": e.g. "reset the password". */
  operation: string;
  server: string;
  dn?: string;
  /** The delegated rights this operation needs, named in an insufficient-rights error. */
  rights?: DelegatedRight[];
}

/** Any error from an LDAP operation, as a coded error. Coded errors pass through unchanged. */
export function translateLdapError(error: unknown, context: OperationContext): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  if (isTlsError(error)) {
    return DirectoryTlsFailed({ server: context.server, reason: describe(error) }, { cause: error });
  }
  if (isConnectionError(error)) {
    return DirectoryUnreachable({ server: context.server, reason: describe(error) }, { cause: error });
  }
  if (!(error instanceof ResultCodeError)) {
    return DirectoryOperationFailed({ operation: context.operation, resultCode: null, reason: describe(error) }, { cause: error });
  }
  const diagnostic = error.message;
  const insufficient = () =>
    InsufficientRights({ dn: context.dn ?? '(unknown)', operation: context.operation, rights: context.rights ?? ['Read'] }, { cause: error });
  const bindFailure = bindFailureOf(error);
  if (bindFailure) return bindFailureError(bindFailure);
  if (/0000052D/i.test(diagnostic)) {
    // Samba states the minimum ("... equal or longer than 12 characters"); Windows does not.
    const minLength = /longer than (\d+) characters/i.exec(diagnostic)?.[1];
    return policyRuleError(policyRuleOf(diagnostic), minLength === undefined ? undefined : Number(minLength));
  }
  // ERROR_INVALID_PASSWORD: the old password given for a change is wrong.
  if (/\b00000056\b/.test(diagnostic)) return InvalidCredentials({}, { cause: error });
  switch (error.code) {
    case 8: // strongerAuthRequired
    case 13: // confidentialityRequired
      return DirectoryNotEncrypted({ server: context.server }, { cause: error });
    case 32: // noSuchObject
      return UserNotFound({}, { cause: error });
    case 50: // insufficientAccessRights
      return insufficient();
    case 19: // constraintViolation: Samba's acl module answers this for a change it will not allow
      if (/module acl/i.test(diagnostic)) return insufficient();
      break;
    case 53: // unwillingToPerform: AD's answer to a password write over a plain connection
      if (/0000001F/i.test(diagnostic)) return DirectoryNotEncrypted({ server: context.server }, { cause: error });
      break;
  }
  return DirectoryOperationFailed({ operation: context.operation, resultCode: error.code, reason: diagnostic }, { cause: error });
}

/** Why a DC refuses an attribute value, by LDAP result code. */
const ATTRIBUTE_REJECTIONS: Readonly<Record<number, string>> = {
  16: 'the directory has no attribute of that name', // noSuchAttribute: Samba's word for an unknown attribute
  17: 'the directory has no attribute of that name', // undefinedAttributeType
  19: 'the value breaks a rule of the attribute, such as its length', // constraintViolation
  21: 'the value is empty, too long or not in the form the attribute takes', // invalidAttributeSyntax
  65: 'user accounts cannot have this attribute', // objectClassViolation
};

/**
 * The coded error for a DC's refusal of attribute values (syntax, length, unknown attribute),
 * naming the attributes the DC named (all of `attributes` when it named none); null when the
 * error is anything else, such as missing rights (Samba's acl module answers those with a
 * constraint violation too).
 */
export function attributeRejectionOf(error: unknown, attributes: string[]): LatchkeyError | null {
  if (!(error instanceof ResultCodeError)) return null;
  const reason = ATTRIBUTE_REJECTIONS[error.code];
  if (!reason || /module acl|0000052D/i.test(error.message)) return null;
  // Samba quotes the attribute ('mobile'); Windows puts it in brackets ("Att 150029 (mobile)").
  const message = error.message.toLowerCase();
  const named = attributes.filter((name) => [`'${name}'`, `(${name})`].some((quoted) => message.includes(quoted.toLowerCase())));
  return AttributeRejected({ attributes: named.length ? named : attributes, reason }, { cause: error });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  // ldapts prefixes socket failures with the message type; the last line is the cause.
  const text = error.message.split('\n').filter(Boolean).at(-1) ?? error.message;
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}
