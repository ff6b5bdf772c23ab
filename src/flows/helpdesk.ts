/**
 * Helpdesk-delegated resets (seed 002): members of a configured helpdesk group act, through the
 * service account, on users inside the OUs assigned to their group — never outside them, never
 * on privileged accounts unless allowed. Every request is authorised again on the server
 * (membership, scope, protection), and every action is audited with operator and target.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import { AccountProtected } from '../directory/errors.ts';
import { holdsGroup } from '../directory/group-identity.ts';
import { checkPassword } from '../directory/password-policy.ts';
import { withinAny } from '../directory/scope.ts';
import { createError, LatchkeyError } from '../errors.ts';
import { verifyAnswer } from '../security/answers.ts';
import { maskEmail, maskPhone } from '../notify/masking.ts';
import { pinnedIdentity } from '../settings/helpdesk-groups.ts';
import type { AuditEntry } from '../store/audit.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { SignInRequired } from './account.ts';
import type { FlowContext, Requester } from './context.ts';
import { checkTypedCode, issueCode } from './one-time-codes.ts';
import { type FieldError, newPasswordErrors, policyFieldError } from './recover.ts';
import { type Credentials, signIn } from './sign-in.ts';
import type { Channel } from './verification.ts';

export const NotHelpdesk = createError(
  'LK_NOT_HELPDESK',
  'This account is not a member of a helpdesk group. Ask your administrator for access.',
  403,
);

export const OutOfScope = createError(
  'LK_OUT_OF_SCOPE',
  'This account is outside the OUs your helpdesk group may manage.',
  403,
);

export const CallerNotVerified = createError(
  'LK_CALLER_NOT_VERIFIED',
  'Verify the caller first: send them a code and type the one they read out, or ask their security questions.',
  403,
);

/** How long a passed caller verification allows resets for that account. */
const CALLER_VERIFIED_MS = 15 * 60_000;
/** How many enrolled questions the operator asks the caller. */
const CALLER_QUESTIONS = 2;

/** A signed-in operator, kept server-side in the session. */
export interface OperatorSession {
  guid: string;
  sam: string;
  displayName: string | null;
  lastSeen: number;
  /** Accounts whose caller passed verification, until when. */
  verified: Record<string, number>;
  /** Code verifications in progress, by account GUID. */
  pending: Record<string, { flowId: string; channel: Channel }>;
}

/** What an operator may do, from the helpdesk groups they belong to (read afresh for each request). */
export interface Authority {
  scopes: string[];
  allowProtected: boolean;
}

/** The operator's authority, or null when they hold no configured (and identified) helpdesk group. */
async function authorityOf(ctx: FlowContext, operator: DirectoryUser): Promise<Authority | null> {
  const groups = await ctx.directory.groupsOf(operator);
  const matched = ctx.policy.helpdesk.groups.filter((entry) => {
    const identity = pinnedIdentity(entry);
    return identity !== null && holdsGroup(groups, identity);
  });
  if (!matched.length) return null;
  return { scopes: matched.flatMap((entry) => entry.scopes), allowProtected: matched.some((entry) => entry.allowProtected) };
}

function record(
  ctx: FlowContext,
  operator: { sam: string; guid: string },
  target: { samAccountName: string; guid: string } | null,
  action: AuditAction,
  outcome: AuditOutcome,
  requester: Requester,
  detail?: string,
) {
  return ctx.helpdeskAudit.record({
    actor: operator.sam,
    actorGuid: operator.guid,
    target: target && { sam: target.samAccountName, guid: target.guid },
    action,
    outcome,
    sourceIp: requester.ip,
    ...(detail ? { detail } : {}),
  });
}

export type OperatorSignIn = { ok: true; session: OperatorSession } | { ok: false; error: LatchkeyError };

export async function signInToHelpdesk(ctx: FlowContext, input: Credentials, requester: Requester): Promise<OperatorSignIn> {
  const result = await signIn(ctx, input, requester);
  const operator = { sam: result.user?.samAccountName ?? 'unknown', guid: result.user?.guid ?? '' };
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
    session: { guid: result.user.guid, sam: result.user.samAccountName, displayName: result.user.displayName, lastSeen: ctx.now(), verified: {}, pending: {} },
  };
}

/** A live operator with their current authority; membership is checked again on every request. */
export interface Desk {
  session: OperatorSession;
  authority: Authority;
}

export async function activeOperator(ctx: FlowContext, session: OperatorSession | undefined, requester: Requester): Promise<Desk> {
  if (!session || ctx.now() - session.lastSeen > ctx.policy.selfService.idleMinutes * 60_000) throw new SignInRequired();
  const operator = await ctx.directory.getUser(session.guid, [(await ctx.directory.domain()).baseDn]);
  const authority = operator && (await authorityOf(ctx, operator));
  if (!authority) {
    await record(ctx, session, null, 'refused', 'refused', requester, 'no longer in a helpdesk group');
    throw new SignInRequired();
  }
  session.lastSeen = ctx.now();
  return { session, authority };
}

/** Users matching `query` inside the operator's scopes, a page at a time. */
export async function searchUsers(ctx: FlowContext, desk: Desk, query: string, after: string | undefined, requester: Requester) {
  const page = await ctx.directory.searchUsers(query, { bases: desk.authority.scopes, limit: 25, ...(after ? { after } : {}) });
  await record(ctx, desk.session, null, 'search', 'success', requester, `"${query.slice(0, 64)}": ${page.users.length} found`);
  return page;
}

/**
 * The account `guid` if this operator may act on it; otherwise a refusal, audited. Looked up in
 * the whole domain so that a request for an account outside the scopes is seen and recorded.
 */
async function target(ctx: FlowContext, desk: Desk, guid: string, action: AuditAction, requester: Requester): Promise<DirectoryUser> {
  const user = await ctx.directory.getUser(guid, [(await ctx.directory.domain()).baseDn]);
  if (!user || !withinAny(user.dn, desk.authority.scopes)) {
    await record(ctx, desk.session, user, 'refused', 'refused', requester, `${action}: out of scope`);
    throw OutOfScope({});
  }
  if (!desk.authority.allowProtected && (await ctx.directory.protection(user)).protected) {
    await record(ctx, desk.session, user, 'refused', 'refused', requester, `${action}: privileged account`);
    throw AccountProtected({});
  }
  return user;
}

export interface UserDetails {
  user: DirectoryUser;
  enrollment: Enrollment | null;
  portalLockedOut: boolean;
  callerVerified: boolean;
  /** Where a caller-verification code can go, masked. */
  channels: { channel: Channel; masked: string }[];
  /** The enrolled questions the operator asks (positions and texts; never the answers). */
  questions: { position: number; text: string }[];
  activity: AuditEntry[];
}

/** Everything the operator needs to help the caller. Audited. */
export async function userDetails(ctx: FlowContext, desk: Desk, guid: string, requester: Requester): Promise<UserDetails> {
  const user = await target(ctx, desk, guid, 'user-view', requester);
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const lockouts = await ctx.store.throttle.peek(`answers:${user.guid}`, ctx.now());
  const activity = await ctx.store.audit.query({ actor: user.samAccountName, limit: 20 });
  await record(ctx, desk.session, user, 'user-view', 'success', requester);
  const addresses = callerAddresses(ctx, user, enrollment);
  return {
    user,
    enrollment,
    portalLockedOut: lockouts >= ctx.policy.protection.portalLockout.maxWrongAnswers,
    callerVerified: (desk.session.verified[user.guid] ?? 0) > ctx.now(),
    channels: Object.entries(addresses).map(([channel, address]) => ({
      channel: channel as Channel,
      masked: channel === 'email' ? maskEmail(address) : maskPhone(address),
    })),
    questions: (enrollment?.answers ?? []).slice(0, CALLER_QUESTIONS).map(({ question }, position) => ({ position, text: question })),
    activity,
  };
}

/** Where a caller code can go: the enrolled addresses, else the directory's. */
function callerAddresses(ctx: FlowContext, user: DirectoryUser, enrollment: Enrollment | null): Partial<Record<Channel, string>> {
  const email = enrollment?.email ?? user.mail;
  const mobile = enrollment?.mobile ?? user.mobile;
  return { ...(email && ctx.mail ? { email } : {}), ...(mobile && ctx.sms ? { sms: mobile } : {}) };
}

/** Sends the account's owner a code to read out to the operator, who never sees it. */
export async function sendCallerCode(ctx: FlowContext, desk: Desk, guid: string, channel: Channel, requester: Requester): Promise<void> {
  const user = await target(ctx, desk, guid, 'caller-verification', requester);
  const address = callerAddresses(ctx, user, await ctx.store.enrollments.get(user.guid))[channel];
  if (!address) throw CallerNotVerified({});
  const flowId = randomBytes(16).toString('hex');
  const code = await issueCode(ctx, flowId, user.guid, channel);
  const params = { code, organisation: ctx.policy.ui.organisation, operator: desk.session.displayName ?? desk.session.sam };
  try {
    if (channel === 'email') await ctx.mail!.send({ to: [address], subject: ctx.t('mail.callerCode.subject', params), text: ctx.t('mail.callerCode.body', params) });
    else await ctx.sms!.send({ to: address, body: ctx.t('sms.callerCode', params) });
  } catch (error) {
    await record(ctx, desk.session, user, 'caller-verification', 'failure', requester, `code by ${channel}: ${(error as LatchkeyError).code ?? 'error'}`);
    throw error;
  }
  desk.session.pending[user.guid] = { flowId, channel };
  await record(ctx, desk.session, user, 'caller-verification', 'success', requester, `code sent by ${channel}`);
}

/** Checks the code the caller read out; passing marks the caller verified for a while. */
export async function checkCallerCode(ctx: FlowContext, desk: Desk, guid: string, typed: string, requester: Requester): Promise<boolean> {
  const user = await target(ctx, desk, guid, 'caller-verification', requester);
  const pending = desk.session.pending[user.guid];
  if (!pending) return false;
  const result = await checkTypedCode(ctx, pending.flowId, typed);
  const passed = result === 'accepted';
  if (passed || result === 'locked' || result === 'expired') delete desk.session.pending[user.guid];
  if (passed) desk.session.verified[user.guid] = ctx.now() + CALLER_VERIFIED_MS;
  await record(ctx, desk.session, user, 'caller-verification', passed ? 'success' : 'refused', requester, `code: ${result}`);
  return passed;
}

/**
 * Checks the answers the caller gives to their enrolled questions, typed by the operator. Wrong
 * answers count toward the same portal lockout as on the public pages.
 */
export async function checkCallerAnswers(ctx: FlowContext, desk: Desk, guid: string, answers: string[], requester: Requester): Promise<boolean> {
  const user = await target(ctx, desk, guid, 'caller-verification', requester);
  const { maxWrongAnswers, coolDownMinutes } = ctx.policy.protection.portalLockout;
  const lockout = `answers:${user.guid}`;
  const enrolled = (await ctx.store.enrollments.get(user.guid))?.answers.slice(0, CALLER_QUESTIONS) ?? [];
  let passed = enrolled.length > 0 && (await ctx.store.throttle.peek(lockout, ctx.now())) < maxWrongAnswers;
  for (const [i, answer] of enrolled.entries()) passed = (await verifyAnswer(answer.answerHash, answers[i] ?? '')) && passed;
  if (passed) desk.session.verified[user.guid] = ctx.now() + CALLER_VERIFIED_MS;
  else if (enrolled.length) await ctx.store.throttle.hit(lockout, coolDownMinutes * 60_000, ctx.now());
  await record(ctx, desk.session, user, 'caller-verification', passed ? 'success' : 'refused', requester, passed ? 'answers' : 'answers: wrong or locked');
  return passed;
}

/** Letters and digits that cannot be mistaken for one another when read out or typed. */
const READABLE = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A strong password that people can read and type: groups of four readable characters joined
 * by dashes, with capitals, small letters and digits, meeting the account's policy.
 */
export function generatePassword(length: number, accept: (candidate: string) => boolean): string {
  for (;;) {
    const characters = Array.from({ length }, () => READABLE[randomInt(READABLE.length)]).join('');
    const candidate = characters.match(/.{1,4}/g)!.join('-');
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /\d/.test(candidate) && accept(candidate)) return candidate;
  }
}

export type HelpdeskResetInput =
  | { mode: 'typed'; password: string; confirm: string; mustChange: boolean }
  | { mode: 'generated'; mustChange: boolean };

export type HelpdeskResetOutcome = { outcome: 'done'; generated: string | null } | { outcome: 'invalid'; errors: FieldError[] };

/** Resets the account's password (and unlocks it); the generated password is returned once, never kept. */
export async function resetForCaller(ctx: FlowContext, desk: Desk, guid: string, input: HelpdeskResetInput, requester: Requester): Promise<HelpdeskResetOutcome> {
  const user = await target(ctx, desk, guid, 'reset', requester);
  const verified = (desk.session.verified[user.guid] ?? 0) > ctx.now();
  if (ctx.policy.helpdesk.requireCallerVerification && !verified) {
    await record(ctx, desk.session, user, 'reset', 'refused', requester, 'caller not verified');
    throw CallerNotVerified({});
  }
  const policy = await ctx.directory.passwordPolicy(user);
  let password: string;
  if (input.mode === 'typed') {
    const errors = newPasswordErrors(policy, user, input.password, input.confirm);
    if (errors.length) return { outcome: 'invalid', errors };
    password = input.password;
  } else {
    const length = Math.max(ctx.policy.helpdesk.generatedPasswordLength, policy.minLength);
    password = generatePassword(length, (candidate) => checkPassword(policy, candidate, user).length === 0);
  }
  const detail = `caller verified: ${verified ? 'yes' : 'no'}; ${input.mode}; must change: ${input.mustChange ? 'yes' : 'no'}`;
  try {
    await ctx.directory.resetPassword(user, password, { mustChange: input.mustChange, unlock: true });
  } catch (error) {
    const field = policyFieldError(error);
    await record(ctx, desk.session, user, 'reset', field ? 'refused' : 'failure', requester, `${detail}; ${(error as LatchkeyError).code ?? 'error'}`);
    if (field) return { outcome: 'invalid', errors: [field] };
    throw error;
  }
  await record(ctx, desk.session, user, 'reset', 'success', requester, detail);
  return { outcome: 'done', generated: input.mode === 'generated' ? password : null };
}

/** Runs one directory or store change on an authorised account, audited either way. */
async function act(ctx: FlowContext, desk: Desk, guid: string, action: AuditAction, detail: string, requester: Requester, change: (user: DirectoryUser) => Promise<unknown>) {
  const user = await target(ctx, desk, guid, action, requester);
  try {
    await change(user);
  } catch (error) {
    await record(ctx, desk.session, user, action, 'failure', requester, `${detail}; ${(error as LatchkeyError).code ?? 'error'}`);
    throw error;
  }
  await record(ctx, desk.session, user, action, 'success', requester, detail);
}

export const unlockForCaller = (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
  act(ctx, desk, guid, 'unlock', 'unlocked', requester, (user) => ctx.directory.unlock(user));

export const setMustChange = (ctx: FlowContext, desk: Desk, guid: string, on: boolean, requester: Requester) =>
  act(ctx, desk, guid, 'must-change', on ? 'set' : 'cleared', requester, (user) => ctx.directory.setMustChange(user, on));

export const clearEnrollment = (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
  act(ctx, desk, guid, 'clear-enrollment', 'enrollment removed', requester, (user) => ctx.store.enrollments.remove(user.guid));

export const clearPortalLockout = (ctx: FlowContext, desk: Desk, guid: string, requester: Requester) =>
  act(ctx, desk, guid, 'clear-lockout', 'portal lockout cleared', requester, (user) => ctx.store.throttle.reset(`answers:${user.guid}`));
