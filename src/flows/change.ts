/**
 * Change: a user who knows their password sets a new one, bound as themselves (AD checks the
 * old password and the policy, history and minimum age included).
 */
import { type AuditAction, type AuditActor, actorOf } from '../audit/recorder.ts';
import type { WriteReceipt } from '../directory/directory.ts';
import { InvalidCredentials, WriteOutcomeUnknown } from '../directory/errors.ts';
import { writeDetail } from '../directory/write-outcome.ts';
import { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import type { RulesList } from '../passwords/hints.ts';
import { withUniformDelay } from '../security/timing.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { rememberLanguage } from './language-preference.ts';
import { newPasswordErrors, policyFieldError, rulesList, typedPasswordErrors } from './new-password.ts';
import { changeProvenPassword, missingCredentials, type SignInResult, tryPassword } from './sign-in.ts';

export interface ChangeInput {
  name: string;
  domain?: string;
  oldPassword: string;
  newPassword: string;
  confirm: string;
  honeypot?: string;
}

/** `rules`: the account's rules list, given only once the old password is proven. */
export type ChangeOutcome = { outcome: 'done' } | { outcome: 'invalid'; errors: FieldError[]; rules?: RulesList };

/** Account problems shown on the old-password field (the name and the password are one question). */
const CREDENTIAL_CODES = new Set(['LK_INVALID_CREDENTIALS', 'LK_ACCOUNT_LOCKED', 'LK_RATE_LIMITED']);

export function changePassword(ctx: FlowContext, input: ChangeInput, requester: Requester): Promise<ChangeOutcome> {
  return withUniformDelay(ctx.policy.protection.responseDelayMs, () => change(ctx, input, requester));
}

async function change(ctx: FlowContext, input: ChangeInput, requester: Requester): Promise<ChangeOutcome> {
  const refuse = async (
    code: string,
    detail: string,
    actor: AuditActor = { actor: null },
    field = 'oldPassword',
    action: AuditAction = 'change',
  ): Promise<ChangeOutcome> => {
    await ctx.audit.record({ ...actor, action, outcome: 'refused', sourceIp: requester.ip, detail });
    return { outcome: 'invalid', errors: [{ field, code }] };
  };
  // Before the old password is proven, only what depends on the typed text alone is checked.
  const typingErrors = [
    ...missingCredentials(input.name, input.oldPassword, 'oldPassword'),
    ...typedPasswordErrors(input.newPassword, input.confirm, 'newPassword'),
  ];
  if (typingErrors.length) return { outcome: 'invalid', errors: typingErrors };
  const tried = await tryPassword(ctx, { name: input.name, domain: input.domain, password: input.oldPassword, honeypot: input.honeypot }, requester, {
    acceptExpired: true,
    hold: true,
  });
  if (!tried.ok) {
    const action: AuditAction = tried.reason === 'bot' ? 'bot' : tried.reason === 'rate-limited' ? 'rate-limited' : 'change';
    const actor = tried.user ? actorOf(tried.user) : undefined;
    return refuse(tried.error.code, `change: ${tried.reason}`, actor, 'oldPassword', action);
  }
  try {
    return await changeProven(ctx, input, requester, tried, refuse);
  } finally {
    await tried.held?.release();
  }
}

/** The old password is proven (`tried`): the new one is checked against the account's rules, then set. */
async function changeProven(
  ctx: FlowContext,
  input: ChangeInput,
  requester: Requester,
  tried: Extract<SignInResult, { ok: true }>,
  refuse: (code: string, detail: string, actor: AuditActor, field?: string) => Promise<ChangeOutcome>,
): Promise<ChangeOutcome> {
  const { user } = tried;
  const actor = actorOf(user);
  // The old password is right: now the account's own rules may be checked and shown.
  const errors = await newPasswordErrors(ctx, user, input.newPassword, input.confirm, {
    field: 'newPassword',
    flow: 'change',
    directoryPolicy: tried.policy,
    report: (entry) => ctx.audit.record({ ...actor, sourceIp: requester.ip, ...entry }),
  });
  if (errors.length) return { outcome: 'invalid', errors, rules: await rulesList(ctx, user) };
  let receipt: WriteReceipt;
  try {
    receipt = await changeProvenPassword(ctx, tried, input.oldPassword, input.newPassword);
  } catch (error) {
    if (!(error instanceof LatchkeyError)) throw error;
    const fieldError = policyFieldError(error, 'newPassword');
    if (fieldError) {
      await refuse(fieldError.code, error.code, actor, 'newPassword');
      return { outcome: 'invalid', errors: [fieldError], rules: await rulesList(ctx, user) };
    }
    // A locked account answers "locked" whatever the password: shown as a wrong password.
    if (CREDENTIAL_CODES.has(error.code)) return refuse(InvalidCredentials.code, error.code, actor);
    if (error.status < 500) return refuse(error.code, error.code, actor);
    // The password may have changed: the trail says so.
    if (WriteOutcomeUnknown.is(error)) await ctx.audit.record({ ...actor, action: 'change', outcome: 'unknown', sourceIp: requester.ip, detail: error.code });
    throw error;
  }
  await ctx.audit.record({
    ...actor,
    action: 'change',
    outcome: 'success',
    sourceIp: requester.ip,
    detail: writeDetail(receipt),
  });
  await rememberLanguage(ctx, user.guid, requester.language);
  notifyOwner(ctx, user, 'change', requester);
  return { outcome: 'done' };
}
