/**
 * The end of reset and unlock, once verification passed: set the new password (which also
 * unlocks) or clear the lockout, then tell the user by e-mail what happened.
 */
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import type { DirectoryUser, WriteReceipt } from '../directory/directory.ts';
import { type PasswordPolicy, checkPassword } from '../directory/password-policy.ts';
import { failedWriteOutcome, writeDetail } from '../directory/write-outcome.ts';
import { LatchkeyError } from '../errors.ts';
import type { FlowContext, Requester } from './context.ts';
import { type VerificationState, type VerifiedRefusal, verifiedUser } from './verification.ts';

/** A problem with what was typed, for the field it concerns; `code` names the message. */
export interface FieldError {
  field: string;
  code: string;
  params?: Record<string, string | number>;
}

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
export function newPasswordErrors(
  policy: PasswordPolicy,
  owner: DirectoryUser,
  password: string,
  confirm: string,
  field = 'password',
): FieldError[] {
  const typing = typedPasswordErrors(password, confirm, field);
  if (typing.length) return typing;
  return checkPassword(policy, password, owner).map((rule) =>
    rule === 'too-short'
      ? { field, code: 'LK_PASSWORD_TOO_SHORT', params: { minLength: policy.minLength } }
      : { field, code: 'LK_PASSWORD_TOO_SIMPLE' },
  );
}

/** A DC's rejection of a password as a field error; other errors are not the user's to fix. */
export function policyFieldError(error: unknown, field = 'password'): FieldError | null {
  if (!(error instanceof LatchkeyError) || !POLICY_CODES.has(error.code)) return null;
  const minLength = error.details.minLength;
  return { field, code: error.code, ...(typeof minLength === 'number' ? { params: { minLength } } : {}) };
}

/** The password rules to show before the user types (the user's fine-grained policy if readable). */
export async function passwordRules(ctx: FlowContext, state: VerificationState): Promise<PasswordPolicy | null> {
  const user = state.user && (await ctx.directory.getUser(state.user.guid));
  return user ? ctx.directory.passwordPolicy(user) : null;
}

export type RecoverOutcome =
  | { outcome: 'done'; wasLocked: boolean }
  | { outcome: 'invalid'; errors: FieldError[] }
  | { outcome: 'refused'; refusal: VerifiedRefusal };

/** Sets the new password as the service account, after a passed verification. */
export async function completeReset(
  ctx: FlowContext,
  state: VerificationState,
  input: { password: string; confirm: string },
  requester: Requester,
): Promise<RecoverOutcome> {
  const verified = await verifiedUser(ctx, state, requester);
  if ('refusal' in verified) return { outcome: 'refused', refusal: verified.refusal };
  const { user } = verified;
  const errors = newPasswordErrors(await ctx.directory.passwordPolicy(user), user, input.password, input.confirm);
  if (errors.length) return { outcome: 'invalid', errors };
  let receipt: WriteReceipt;
  try {
    receipt = await ctx.directory.resetPassword(user, input.password, { mustChange: ctx.policy.reset.mustChangeAfterReset, unlock: ctx.policy.reset.unlockOnReset });
  } catch (error) {
    const fieldError = policyFieldError(error);
    await record(ctx, user, requester, 'reset', fieldError ? 'refused' : failedWriteOutcome(error), (error as LatchkeyError).code);
    if (fieldError) return { outcome: 'invalid', errors: [fieldError] };
    throw error;
  }
  await record(ctx, user, requester, 'reset', 'success', writeDetail(receipt, ctx.policy.reset.mustChangeAfterReset ? 'must change at next logon' : undefined));
  await notify(ctx, user, 'reset', requester);
  return { outcome: 'done', wasLocked: user.state.lockedOut };
}

/** Clears the lockout, after a passed verification; the password stays as it is. */
export async function completeUnlock(ctx: FlowContext, state: VerificationState, requester: Requester): Promise<RecoverOutcome> {
  const verified = await verifiedUser(ctx, state, requester);
  if ('refusal' in verified) return { outcome: 'refused', refusal: verified.refusal };
  const { user } = verified;
  let receipt: WriteReceipt;
  try {
    receipt = await ctx.directory.unlock(user);
  } catch (error) {
    await record(ctx, user, requester, 'unlock', failedWriteOutcome(error), (error as LatchkeyError).code);
    throw error;
  }
  await record(ctx, user, requester, 'unlock', 'success', writeDetail(receipt, user.state.lockedOut ? undefined : 'was not locked'));
  await notify(ctx, user, 'unlock', requester);
  return { outcome: 'done', wasLocked: user.state.lockedOut };
}

function record(ctx: FlowContext, user: DirectoryUser, requester: Requester, action: AuditAction, outcome: AuditOutcome, detail?: string) {
  return ctx.audit.record({ actor: user.samAccountName, actorGuid: user.guid, action, outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
}

/**
 * Tells the account's owner, at every address we know, what was done, when and from where, so
 * that a reset they did not make does not go unnoticed. A failed notice is audited, not fatal:
 * the change is already made.
 */
async function notify(ctx: FlowContext, user: DirectoryUser, what: 'reset' | 'unlock', requester: Requester): Promise<void> {
  if (!ctx.policy.reset.notifyUser || !ctx.mail) return;
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const addresses = [...new Map([user.mail, enrollment?.email].filter((a): a is string => !!a).map((a) => [a.toLowerCase(), a])).values()];
  if (!addresses.length) return;
  const params = {
    organisation: ctx.policy.ui.organisation,
    account: user.samAccountName,
    name: user.displayName ?? user.samAccountName,
    when: new Date(ctx.now()).toUTCString(),
    ip: requester.ip,
    url: ctx.policy.server.publicUrl ?? '',
  };
  try {
    await ctx.mail.send({ to: addresses, subject: ctx.t(`mail.${what}.subject`, params), text: ctx.t(`mail.${what}.body`, params) });
  } catch (error) {
    await record(ctx, user, requester, 'delivery-failed', 'failure', `notice: ${(error as LatchkeyError).code ?? 'error'}`);
    ctx.log.error({ err: error, account: user.samAccountName }, 'could not send the account-change notice');
  }
}
