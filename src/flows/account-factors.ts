/**
 * The signed-in area's verification factors: binding, replacing and removing the authenticator
 * app, making recovery codes, and the second step of signing in for a user who has an app bound
 * (the AD password first, then a current code from the app). Every change is audited.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import type { FlowContext, Requester } from './context.ts';
import { beginAttempt, type Stop } from './failure-limits.ts';
import { recoveryCodesLeft } from './recovery-codes.ts';
import { type SignedInSession, SignInRequired } from './signed-in.ts';
import { checkTotpCode, finishTotpBinding, hasTotp, type PendingTotp, recordTotp } from './totp.ts';
import { typedNameKey } from './typed-name.ts';

/** The factors a user has, as the /me page shows them. */
export interface OwnFactors {
  totp: boolean;
  recoveryCodesLeft: number;
}

export async function ownFactors(ctx: FlowContext, user: DirectoryUser): Promise<OwnFactors> {
  return { totp: await hasTotp(ctx, user.guid), recoveryCodesLeft: await recoveryCodesLeft(ctx, user.guid) };
}

const who = (user: DirectoryUser) => ({ guid: user.guid, sam: user.samAccountName });

/** Finishes binding the app the user set up with `pending` (replacing one bound before). Audited. */
export async function bindOwnTotp(
  ctx: FlowContext,
  user: DirectoryUser,
  pending: PendingTotp,
  code: string,
  requester: Requester,
): Promise<'bound' | 'wrong' | 'expired'> {
  const replacing = await hasTotp(ctx, user.guid);
  const outcome = await finishTotpBinding(ctx, who(user), pending, code);
  if (outcome === 'bound') await recordTotp(ctx, who(user), 'totp-bound', 'success', requester, replacing ? 'replaced the app bound before' : 'first app');
  else await recordTotp(ctx, who(user), 'totp-wrong', 'refused', requester, `binding: ${outcome}`);
  return outcome;
}

/** Removes the user's own app; false when none was bound. Audited. */
export async function removeOwnTotp(ctx: FlowContext, user: DirectoryUser, requester: Requester): Promise<boolean> {
  const removed = await ctx.store.totp.remove(user.guid);
  if (removed) await recordTotp(ctx, who(user), 'totp-removed', 'success', requester, 'by the owner');
  return removed;
}

/** How long the code page of a sign-in waits after the password was proven. */
export const STEP_UP_LIFETIME_MS = 5 * 60_000;

/** A sign-in whose password was right, waiting for a code from the app; kept server-side in the session. */
export interface AccountStepUp {
  session: SignedInSession;
  expiresAt: number;
}

/** Whether the user who just proved the password must also type a code; the pending step when so. */
export async function stepUpFor(ctx: FlowContext, session: SignedInSession): Promise<AccountStepUp | null> {
  return (await hasTotp(ctx, session.guid)) ? { session, expiresAt: ctx.now() + STEP_UP_LIFETIME_MS } : null;
}

export type StepUpOutcome = { outcome: 'accepted'; session: SignedInSession } | { outcome: 'wrong' | 'replayed' } | { outcome: 'stopped'; stop: Stop };

/**
 * The second step of signing in: a current code from the app. Wrong and replayed codes count
 * toward the portal lockout like wrong answers (failure-limits.ts); while stopped, no code is
 * looked at. An expired step (or none) asks for the password again.
 */
export async function checkStepUpCode(ctx: FlowContext, pending: AccountStepUp | undefined, code: string, requester: Requester): Promise<StepUpOutcome> {
  if (!pending || pending.expiresAt <= ctx.now()) throw SignInRequired({});
  const user = { guid: pending.session.guid, sam: pending.session.sam };
  const subject = { user: { guid: user.guid }, nameKey: await typedNameKey(ctx, user.sam, undefined) };
  const begun = await beginAttempt(ctx, subject, requester);
  if ('stop' in begun) {
    await ctx.audit.record({
      actor: user.sam,
      actorGuid: user.guid,
      action: 'portal-lockout',
      outcome: 'refused',
      sourceIp: requester.ip,
      detail: `sign-in code: ${begun.stop}`,
    });
    return { outcome: 'stopped', stop: begun.stop };
  }
  const checked = await checkTotpCode(ctx, user.guid, code);
  if (checked === 'accepted') {
    await begun.attempt.right();
    await recordTotp(ctx, user, 'totp-used', 'success', requester, 'sign-in');
    return { outcome: 'accepted', session: { ...pending.session, lastSeen: ctx.now() } };
  }
  const stop = begun.attempt.wrong();
  await recordTotp(ctx, user, checked === 'replayed' ? 'totp-replayed' : 'totp-wrong', 'refused', requester, `sign-in${stop ? `; ${stop}` : ''}`);
  return stop ? { outcome: 'stopped', stop } : { outcome: checked };
}
