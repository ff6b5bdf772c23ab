/** Reset, once verification passed: the service account sets the new password (which also unlocks). */

import { actorOf } from '../audit/recorder.ts';
import type { WriteReceipt } from '../directory/directory.ts';
import { failedWriteOutcome, writeDetail } from '../directory/write-outcome.ts';
import type { LatchkeyError } from '../errors.ts';
import type { RulesList } from '../passwords/hints.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { rememberLanguage } from './language-preference.ts';
import { newPasswordErrors, policyFieldError, rulesList } from './new-password.ts';
import { type RecoverOutcome, recordRecovery } from './recovery-outcome.ts';
import { verifiedUser } from './verification.ts';
import type { VerificationState } from './verification-state.ts';

/** The password rules to show before the user types: Latchkey's and the directory's (the fine-grained policy if readable). */
export async function passwordRules(ctx: FlowContext, state: VerificationState): Promise<RulesList | null> {
  const user = state.user && (await ctx.directory.getUser(state.user.guid));
  return user ? rulesList(ctx, user) : null;
}

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
  const errors = await newPasswordErrors(ctx, user, input.password, input.confirm, {
    flow: 'reset',
    report: (entry) => ctx.audit.record({ ...actorOf(user), sourceIp: requester.ip, ...entry }),
  });
  if (errors.length) return { outcome: 'invalid', errors };
  let receipt: WriteReceipt;
  try {
    receipt = await ctx.directory.resetPassword(user, input.password, {
      mustChange: ctx.policy.reset.mustChangeAfterReset,
      unlock: ctx.policy.reset.unlockOnReset,
    });
  } catch (error) {
    const fieldError = policyFieldError(error);
    await recordRecovery(ctx, user, requester, 'reset', fieldError ? 'refused' : failedWriteOutcome(error), (error as LatchkeyError).code);
    if (fieldError) return { outcome: 'invalid', errors: [fieldError] };
    throw error;
  }
  await recordRecovery(
    ctx,
    user,
    requester,
    'reset',
    'success',
    writeDetail(receipt, ctx.policy.reset.mustChangeAfterReset ? 'must change at next logon' : undefined),
  );
  await rememberLanguage(ctx, user.guid, requester.language);
  notifyOwner(ctx, user, 'reset', requester);
  return { outcome: 'done', wasLocked: user.state.lockedOut };
}
