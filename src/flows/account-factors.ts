/**
 * The signed-in area's verification factors: binding, replacing and removing the authenticator
 * app, making recovery codes, and the second step of signing in for a user who has an app bound
 * (the AD password first, then a current code from the app). Every change is audited.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
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

export async function ownFactors(ctx: FlowContext, user: Pick<DirectoryUser, 'guid'>): Promise<OwnFactors> {
  return { totp: await hasTotp(ctx, user.guid), recoveryCodesLeft: await recoveryCodesLeft(ctx, user.guid) };
}

const who = (user: DirectoryUser) => ({ guid: user.guid, sam: user.samAccountName });

/** Finishes binding the app the user set up with `pending` (replacing one bound before), in /me or at enrollment. Audited. */
export async function bindOwnTotp(
  ctx: FlowContext,
  user: { guid: string; sam: string },
  pending: PendingTotp,
  code: string,
  requester: Requester,
): Promise<'bound' | 'wrong' | 'expired'> {
  const replacing = await hasTotp(ctx, user.guid);
  const outcome = await finishTotpBinding(ctx, user, pending, code);
  if (outcome === 'bound') {
    await recordTotp(ctx, user, 'totp-bound', 'success', requester, replacing ? 'replaced the app bound before' : 'first app');
    notifyOwner(ctx, user, 'factor-added', requester, { factor: 'totp' });
  } else await recordTotp(ctx, user, 'totp-wrong', 'refused', requester, `binding: ${outcome}`);
  return outcome;
}

/** Removes the user's own app; false when none was bound. Audited. */
export async function removeOwnTotp(ctx: FlowContext, user: DirectoryUser, requester: Requester): Promise<boolean> {
  const removed = await ctx.store.totp.remove(user.guid);
  if (removed) {
    await recordTotp(ctx, who(user), 'totp-removed', 'success', requester, 'by the owner');
    notifyOwner(ctx, user, 'factor-removed', requester, { factor: 'totp' });
  }
  return removed;
}

/** How long the code page of a sign-in waits after the password was proven. */
export const STEP_UP_LIFETIME_MS = 5 * 60_000;

/**
 * A sign-in whose password was right, waiting for a code from the app; kept server-side in the
 * session. `session` is what the right code opens: the account pages, or an enrollment.
 */
export interface StepUp<S> {
  user: { guid: string; sam: string };
  session: S;
  expiresAt: number;
}

export type AccountStepUp = StepUp<SignedInSession>;

/** What a step-up is for, as its audit entries say. */
export type StepUpPurpose = 'sign-in' | 'enroll';

/** Whether `user`, who just proved the password, must also type a code; the pending step (holding `session`) when so. */
export async function stepUpFor<S>(ctx: FlowContext, user: { guid: string; sam: string }, session: S): Promise<StepUp<S> | null> {
  return (await hasTotp(ctx, user.guid)) ? { user, session, expiresAt: ctx.now() + STEP_UP_LIFETIME_MS } : null;
}

export type StepUpOutcome<S> = { outcome: 'accepted'; session: S } | { outcome: 'wrong' | 'replayed' } | { outcome: 'stopped'; stop: Stop };

/**
 * The second step of signing in (to /me, or to enroll): a current code from the app. Wrong and
 * replayed codes count toward the portal lockout like wrong answers (failure-limits.ts); while
 * stopped, no code is looked at. The caller makes sure `pending` is there and live.
 */
export async function checkStepUpCode<S>(
  ctx: FlowContext,
  pending: StepUp<S>,
  code: string,
  requester: Requester,
  purpose: StepUpPurpose,
): Promise<StepUpOutcome<S>> {
  const { user } = pending;
  const subject = { user: { guid: user.guid }, nameKey: await typedNameKey(ctx, user.sam, undefined) };
  const begun = await beginAttempt(ctx, subject, requester);
  if ('stop' in begun) {
    await ctx.audit.record({
      actor: user.sam,
      actorGuid: user.guid,
      action: 'portal-lockout',
      outcome: 'refused',
      sourceIp: requester.ip,
      detail: `${purpose} code: ${begun.stop}`,
    });
    return { outcome: 'stopped', stop: begun.stop };
  }
  const checked = await checkTotpCode(ctx, user.guid, code);
  if (checked === 'accepted') {
    await begun.attempt.right();
    await recordTotp(ctx, user, 'totp-used', 'success', requester, purpose);
    return { outcome: 'accepted', session: pending.session };
  }
  const stop = begun.attempt.wrong();
  await recordTotp(ctx, user, checked === 'replayed' ? 'totp-replayed' : 'totp-wrong', 'refused', requester, `${purpose}${stop ? `; ${stop}` : ''}`);
  return stop ? { outcome: 'stopped', stop } : { outcome: checked };
}

/** The account's step-up: an expired one (or none) asks for the password again; the right code opens the pages afresh. */
export async function checkAccountStepUp(
  ctx: FlowContext,
  pending: AccountStepUp | undefined,
  code: string,
  requester: Requester,
): Promise<StepUpOutcome<SignedInSession>> {
  if (!pending || pending.expiresAt <= ctx.now()) throw SignInRequired({});
  const checked = await checkStepUpCode(ctx, pending, code, requester, 'sign-in');
  return checked.outcome === 'accepted' ? { ...checked, session: { ...checked.session, lastSeen: ctx.now() } } : checked;
}
