/**
 * Helpdesk-delegated resets: members of a configured helpdesk group act, through the
 * service account, on users inside the OUs assigned to their group. Every request is authorised
 * again on the server (membership, then the account: see helpdesk-guard.ts), and every action is
 * audited with operator and target. Verifying the caller is in caller-verification.ts.
 */
import type { AuditAction } from '../audit/recorder.ts';
import type { DirectoryUser, WriteReceipt } from '../directory/directory.ts';
import { failedWriteOutcome, writeDetail } from '../directory/write-outcome.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import type { AuditEntry } from '../store/audit.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { CallerNotVerified, callerChannels, callerChecksExhausted, callerQuestions, callerVerified, verificationInProgress } from './caller-verification.ts';
import { maskedDestinations } from './code-destinations.ts';
import type { FlowContext, Requester } from './context.ts';
import { type NoticeFactor, type NoticeKind, notifyOwner } from './credential-notices.ts';
import { clearFailures } from './failure-limits.ts';
import { generateAccepted } from './generated-password.ts';
import { authorisedTarget, authorityOf, type Desk, NotHelpdesk, type OperatorSession, record, refusalOf } from './helpdesk-guard.ts';
import { limitKeys } from './limit-keys.ts';
import { applicableRules, newPasswordErrors, type PasswordCheck, policyFieldError } from './new-password.ts';
import { recoveryCodesLeft } from './recovery-codes.ts';
import { type Credentials, signIn } from './sign-in.ts';
import { openSession, SignInRequired, sessionUser, touch, wholeDomain } from './signed-in.ts';
import { hasTotp } from './totp.ts';
import { accountNameKeys } from './typed-name.ts';
import type { Channel } from './verification-state.ts';

export const LockoutClearDuringVerification = createError(
  'LK_LOCKOUT_CLEAR_DURING_VERIFICATION',
  'You started verifying this caller, so you cannot end their self-service lockout now. Finish the verification, or wait until it expires.',
  409,
);

export type OperatorSignIn = { ok: true; session: OperatorSession } | { ok: false; error: LatchkeyError };

export async function signInToHelpdesk(ctx: FlowContext, input: Credentials, requester: Requester): Promise<OperatorSignIn> {
  const result = await signIn(ctx, input, requester);
  const operator = { sam: result.user?.samAccountName ?? 'unknown', guid: result.user?.guid ?? '', displayName: result.user?.displayName ?? null };
  if (!result.ok) {
    await record(ctx, operator, null, 'sign-in', 'refused', requester, result.reason);
    return { ok: false, error: result.error };
  }
  if (!(await authorityOf(ctx, result.user))) {
    await record(ctx, operator, null, 'sign-in', 'refused', requester, 'not in a helpdesk group');
    return { ok: false, error: NotHelpdesk({}) };
  }
  await record(ctx, operator, null, 'sign-in', 'success', requester);
  return {
    ok: true,
    session: { ...openSession(ctx, result.user), verified: {}, pending: {}, questions: {} },
  };
}

export async function activeOperator(ctx: FlowContext, session: OperatorSession | undefined, requester: Requester): Promise<Desk> {
  const live = await sessionUser(ctx, session, await wholeDomain(ctx));
  const authority = await authorityOf(ctx, live.user);
  if (!authority) {
    await record(ctx, live.session, null, 'refused', 'refused', requester, 'no longer in a helpdesk group');
    throw SignInRequired({});
  }
  touch(ctx, live.session);
  // A session signed in before questions were drawn per caller has no place for them yet.
  live.session.questions ??= {};
  return { session: live.session, authority };
}

/** A user a search found, and why the helpdesk may not act on them (an error code), if it may not. */
export interface FoundUser {
  user: DirectoryUser;
  refusal: string | null;
}

/**
 * Users matching `query` inside the operator's scopes, a page at a time, each marked with the
 * refusal a click would meet (privileged, staff, the operator's own), so none is a surprise.
 */
export async function searchUsers(ctx: FlowContext, desk: Desk, query: string, after: string | undefined, requester: Requester) {
  const page = await ctx.directory.searchUsers(query, { bases: desk.authority.scopes, limit: 25, ...(after ? { after } : {}) });
  await record(ctx, desk.session, null, 'search', 'success', requester, `"${query.slice(0, 64)}": ${page.users.length} found`);
  const users: FoundUser[] = await Promise.all(page.users.map(async (user) => ({ user, refusal: (await refusalOf(ctx, desk, user))?.error.code ?? null })));
  return { users, next: page.next };
}

export interface UserDetails {
  user: DirectoryUser;
  enrollment: Enrollment | null;
  portalLockedOut: boolean;
  callerVerified: boolean;
  /** Too many wrong caller checks for this account: none is possible until the cool-down ends. */
  callerChecksStopped: boolean;
  /** An authenticator app is bound: the caller can read out its code. */
  totp: boolean;
  recoveryCodesLeft: number;
  /** Where a caller-verification code can go, masked. */
  channels: { channel: Channel; masked: string }[];
  /** The enrolled questions the operator asks (positions and texts; never the answers). */
  questions: { position: number; text: string }[];
  /** How many passkeys the account has registered. */
  passkeys: number;
  /** The account's own self-service entries and what operators did to it (views left out), newest first. */
  activity: AuditEntry[];
  /**
   * When the password was last set: the directory's pwdLastSet, or a later reset on the trail
   * (a reset that requires a change at next logon leaves pwdLastSet at 0, "never").
   */
  passwordSetAt: Date | null;
}

/** Everything the operator needs to help the caller. Audited. */
export async function userDetails(ctx: FlowContext, desk: Desk, guid: string, requester: Requester): Promise<UserDetails> {
  const user = await authorisedTarget(ctx, desk, guid, 'user-view', requester);
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const lockouts = await ctx.store.throttle.peek(limitKeys.portalLockout(user.guid), ctx.now());
  const activity = await ctx.store.audit.query({ involving: { name: user.samAccountName, guid: user.guid }, notAction: 'user-view', limit: 20 });
  await record(ctx, desk.session, user, 'user-view', 'success', requester);
  return {
    user,
    enrollment,
    portalLockedOut: lockouts >= ctx.policy.protection.portalLockout.maxWrongAnswers,
    callerVerified: callerVerified(ctx, desk, user),
    callerChecksStopped: await callerChecksExhausted(ctx, user),
    totp: await hasTotp(ctx, user.guid),
    recoveryCodesLeft: await recoveryCodesLeft(ctx, user.guid),
    channels: maskedDestinations(callerChannels(ctx, user, enrollment)),
    questions: callerQuestions(desk, user, enrollment),
    passkeys: await ctx.store.passkeys.count(user.guid),
    activity,
    passwordSetAt: lastPasswordSet(user, activity),
  };
}

/** The later of pwdLastSet and the newest successful reset or change on `activity`. */
function lastPasswordSet(user: DirectoryUser, activity: AuditEntry[]): Date | null {
  const written = activity.find((entry) => PASSWORD_SETS.has(entry.action) && entry.outcome === 'success');
  const set = user.state.passwordLastSet;
  if (!written || (set && set.getTime() >= written.at)) return set;
  return new Date(written.at);
}
const PASSWORD_SETS = new Set(['reset', 'change']);

export type HelpdeskResetInput = { mode: 'typed'; password: string; confirm: string; mustChange: boolean } | { mode: 'generated'; mustChange: boolean };

export type HelpdeskResetOutcome = { outcome: 'done'; generated: string | null } | { outcome: 'invalid'; errors: FieldError[] };

/** Resets the account's password (and unlocks it); the generated password is returned once, never kept. */
export async function resetForCaller(
  ctx: FlowContext,
  desk: Desk,
  guid: string,
  input: HelpdeskResetInput,
  requester: Requester,
): Promise<HelpdeskResetOutcome> {
  const user = await authorisedTarget(ctx, desk, guid, 'reset', requester);
  const verified = callerVerified(ctx, desk, user);
  if (ctx.policy.helpdesk.requireCallerVerification && !verified) {
    await record(ctx, desk.session, user, 'reset', 'refused', requester, 'caller not verified');
    throw CallerNotVerified({});
  }
  const check: PasswordCheck = {
    flow: 'helpdesk',
    report: ({ action, outcome, detail }) => record(ctx, desk.session, user, action, outcome, requester, `${detail}; ${input.mode}`),
  };
  let password: string;
  if (input.mode === 'typed') {
    const errors = await newPasswordErrors(ctx, user, input.password, input.confirm, check);
    if (errors.length) return { outcome: 'invalid', errors };
    password = input.password;
  } else {
    const generated = await generateAccepted(ctx, (await applicableRules(ctx, user)).rules, ctx.policy.helpdesk.generatedPasswordLength, check);
    if ('errors' in generated) return { outcome: 'invalid', errors: generated.errors };
    password = generated.password;
  }
  const detail = `caller verified: ${verified ? 'yes' : 'no'}; ${input.mode}; must change: ${input.mustChange ? 'yes' : 'no'}`;
  let receipt: WriteReceipt;
  try {
    receipt = await ctx.directory.resetPassword(user, password, { mustChange: input.mustChange, unlock: true });
  } catch (error) {
    const field = policyFieldError(error);
    await record(
      ctx,
      desk.session,
      user,
      'reset',
      field ? 'refused' : failedWriteOutcome(error),
      requester,
      `${detail}; ${(error as LatchkeyError).code ?? 'error'}`,
    );
    if (field) return { outcome: 'invalid', errors: [field] };
    throw error;
  }
  await record(ctx, desk.session, user, 'reset', 'success', requester, writeDetail(receipt, detail));
  notifyOwner(ctx, user, 'helpdesk-reset', requester, { operator: desk.session });
  return { outcome: 'done', generated: input.mode === 'generated' ? password : null };
}

/** Runs one directory write (which gives a receipt) or store change on an authorised account, audited either way. */
async function act(
  ctx: FlowContext,
  desk: Desk,
  guid: string,
  action: AuditAction,
  detail: string,
  requester: Requester,
  change: (user: DirectoryUser) => Promise<WriteReceipt | undefined>,
  /** A reason this action must not be done on this account now, checked before the change. */
  refusal?: (user: DirectoryUser) => Promise<{ reason: string; error: LatchkeyError } | null>,
  /** What the owner is told once it is done (credential-notices.ts); nothing when absent. */
  notice?: { kind: NoticeKind; factor?: NoticeFactor },
) {
  const user = await authorisedTarget(ctx, desk, guid, action, requester);
  // Every entry on the trail says whether the operator had verified the caller, as a reset's does.
  const told = `caller verified: ${callerVerified(ctx, desk, user) ? 'yes' : 'no'}; ${detail}`;
  const refused = await refusal?.(user);
  if (refused) {
    await record(ctx, desk.session, user, 'refused', 'refused', requester, `${action}: ${refused.reason}`);
    throw refused.error;
  }
  let receipt: WriteReceipt | undefined;
  try {
    receipt = await change(user);
  } catch (error) {
    await record(ctx, desk.session, user, action, failedWriteOutcome(error), requester, `${told}; ${(error as LatchkeyError).code ?? 'error'}`);
    throw error;
  }
  await record(ctx, desk.session, user, action, 'success', requester, receipt ? writeDetail(receipt, told) : told);
  if (notice) notifyOwner(ctx, user, notice.kind, requester, { operator: desk.session, ...(notice.factor ? { factor: notice.factor } : {}) });
}

export const unlockForCaller = (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
  act(ctx, desk, guid, 'unlock', 'unlocked', requester, (user) => ctx.directory.unlock(user), undefined, { kind: 'helpdesk-unlock' });

export const setMustChange = (ctx: FlowContext, desk: Desk, guid: string, on: boolean, requester: Requester) =>
  act(ctx, desk, guid, 'must-change', on ? 'set' : 'cleared', requester, (user) => ctx.directory.setMustChange(user, on));

/**
 * An operator's removal of one of the account's factors, a store change (`remove`, by the
 * account's GUID): audited as `action`, and the owner is told which factor went.
 */
const clearing =
  (action: AuditAction, detail: string, factor: NoticeFactor, remove: (ctx: FlowContext, accountGuid: string) => Promise<unknown>) =>
  (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
    act(
      ctx,
      desk,
      guid,
      action,
      detail,
      requester,
      async (user) => {
        await remove(ctx, user.guid);
        return undefined;
      },
      undefined,
      { kind: 'helpdesk-cleared', factor },
    );

/** Removes the account's enrollment (questions and addresses); the user enrolls again. */
export const clearEnrollment = clearing('clear-enrollment', 'enrollment removed', 'enrollment', (ctx, guid) => ctx.store.enrollments.remove(guid));

/** Removes every passkey of the account (a lost or stolen device); the user can add new ones in /me. */
export const clearPasskeys = clearing('passkeys-cleared', 'passkeys removed', 'passkeys', (ctx, guid) => ctx.store.passkeys.removeAll(guid));

/** Removes the account's authenticator app (a lost phone); the user binds a new one in /me. */
export const removeTotpForCaller = clearing('totp-removed', 'authenticator app removed', 'totp', (ctx, guid) => ctx.store.totp.remove(guid));

/** Clears the account's recovery codes (a lost or exposed set); the user makes a new set in /me. */
export const clearRecoveryCodesForCaller = clearing('recovery-codes-cleared', 'recovery codes cleared', 'recoveryCleared', (ctx, guid) =>
  ctx.store.recoveryCodes.remove(guid),
);

/**
 * Ends the account's portal lockout and its run of failures, but not while this operator is
 * verifying its caller: wrong answers would otherwise be tried in batches. The helpdesk's own
 * count of wrong caller checks stays as it is.
 */
export const clearPortalLockout = (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
  act(
    ctx,
    desk,
    guid,
    'clear-lockout',
    'portal lockout cleared',
    requester,
    // Under the account and under its own names: failures of a spelling count under both.
    async (user) => {
      await clearFailures(ctx, [user.guid, ...(await accountNameKeys(ctx, { sam: user.samAccountName, upn: user.userPrincipalName }))]);
      return undefined;
    },
    async (user) =>
      (await verificationInProgress(ctx, desk, user)) ? { reason: 'verification in progress', error: LockoutClearDuringVerification({}) } : null,
  );
