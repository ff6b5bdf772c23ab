/** Unlock, once verification passed: the service account clears the lockout; the password stays as it is. */
import type { WriteReceipt } from '../directory/directory.ts';
import { failedWriteOutcome, writeDetail } from '../directory/write-outcome.ts';
import type { LatchkeyError } from '../errors.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { rememberLanguage } from './language-preference.ts';
import { type RecoverOutcome, recordRecovery } from './recovery-outcome.ts';
import { verifiedUser } from './verification.ts';
import type { VerificationState } from './verification-state.ts';

/** Clears the lockout, after a passed verification; the password stays as it is. */
export async function completeUnlock(ctx: FlowContext, state: VerificationState, requester: Requester): Promise<RecoverOutcome> {
  const verified = await verifiedUser(ctx, state, requester);
  if ('refusal' in verified) return { outcome: 'refused', refusal: verified.refusal };
  const { user } = verified;
  let receipt: WriteReceipt;
  try {
    receipt = await ctx.directory.unlock(user);
  } catch (error) {
    await recordRecovery(ctx, user, requester, 'unlock', failedWriteOutcome(error), (error as LatchkeyError).code);
    throw error;
  }
  await recordRecovery(ctx, user, requester, 'unlock', 'success', writeDetail(receipt, user.state.lockedOut ? undefined : 'was not locked'));
  await rememberLanguage(ctx, user.guid, requester.language);
  notifyOwner(ctx, user, 'unlock', requester);
  return { outcome: 'done', wasLocked: user.state.lockedOut };
}
