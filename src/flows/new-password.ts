/**
 * The checks on a new password typed twice, the same on every page that sets one: what the typed
 * text alone shows, the account's password policy, and a DC's refusal turned into a field error.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import { checkPassword, type PasswordPolicy } from '../directory/password-policy.ts';
import { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';

/** Codes of the password rules a DC or the local check can name. */
const POLICY_CODES = new Set([
  'LK_PASSWORD_TOO_SHORT',
  'LK_PASSWORD_TOO_SIMPLE',
  'LK_PASSWORD_RECENTLY_USED',
  'LK_PASSWORD_CHANGED_TOO_RECENTLY',
  'LK_PASSWORD_REJECTED',
]);

/** What is wrong with a new password typed twice, judged on the typed text alone (the same for every account). */
export function typedPasswordErrors(password: string, confirm: string, field = 'password'): FieldError[] {
  if (password === '') return [{ field, code: 'LK_PASSWORD_REQUIRED' }];
  if (password !== confirm) return [{ field: 'confirm', code: 'LK_PASSWORDS_DIFFER' }];
  return [];
}

/** Checks a new password typed twice against the policy; the errors, or none. */
export function newPasswordErrors(policy: PasswordPolicy, owner: DirectoryUser, password: string, confirm: string, field = 'password'): FieldError[] {
  const typing = typedPasswordErrors(password, confirm, field);
  if (typing.length) return typing;
  return checkPassword(policy, password, owner).map((rule) =>
    rule === 'too-short' ? { field, code: 'LK_PASSWORD_TOO_SHORT', params: { minLength: policy.minLength } } : { field, code: 'LK_PASSWORD_TOO_SIMPLE' },
  );
}

/** A DC's rejection of a password as a field error; other errors are not the user's to fix. */
export function policyFieldError(error: unknown, field = 'password'): FieldError | null {
  if (!(error instanceof LatchkeyError) || !POLICY_CODES.has(error.code)) return null;
  const minLength = error.details.minLength;
  return { field, code: error.code, ...(typeof minLength === 'number' ? { params: { minLength } } : {}) };
}
