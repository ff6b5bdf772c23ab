/**
 * The signed-in area for every user: after signing in with the AD password, see and
 * edit the profile attributes the admin allows, see group memberships, change the password and
 * manage the enrollment. Every view and change is audited.
 */
import { actorOf } from '../audit/recorder.ts';
import type { DirectoryUser, GroupMembership, WriteReceipt } from '../directory/directory.ts';
import { AccountProtected, WriteOutcomeUnknown } from '../directory/errors.ts';
import { writeDetail } from '../directory/write-outcome.ts';
import { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import { bareAddress } from '../notify/address.ts';
import { parseMobile, storedMobile } from '../notify/phone.ts';
import type { RulesList } from '../passwords/hints.ts';
import { type AccountStepUp, type OwnFactors, ownFactors, stepUpFor } from './account-factors.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { ENROLL_LIFETIME_MS, type EnrollState } from './enroll.ts';
import { rememberLanguage } from './language-preference.ts';
import { newPasswordErrors, policyFieldError, rulesList } from './new-password.ts';
import { passkeyCount, passkeysAvailable } from './passkeys.ts';
import { type Credentials, changeProvenPassword, recordSignInFailure, signIn, tryPassword } from './sign-in.ts';
import { openSession, type SignedInSession, sessionUser, touch } from './signed-in.ts';

/** A signed-in user, kept server-side in the session. */
export type AccountSession = SignedInSession;

/**
 * A sign-in with the right password: signed in, or (with an authenticator app bound) waiting for
 * a code from it (account-factors.ts).
 */
export type AccountSignIn = { ok: true; session: AccountSession; stepUp: null } | { ok: true; stepUp: AccountStepUp } | { ok: false; error: LatchkeyError };

export async function signInToAccount(ctx: FlowContext, input: Credentials, requester: Requester): Promise<AccountSignIn> {
  const result = await signIn(ctx, input, requester);
  if (!result.ok) {
    await recordSignInFailure(ctx, 'sign-in', result, requester);
    return { ok: false, error: result.error };
  }
  const { user } = result;
  const session = openSession(ctx, user);
  const stepUp = await stepUpFor(ctx, { guid: session.guid, sam: session.sam }, session);
  await ctx.audit.record({
    ...actorOf(user),
    action: 'sign-in',
    outcome: 'success',
    sourceIp: requester.ip,
    ...(stepUp ? { detail: 'password right; a code from the authenticator app follows' } : {}),
  });
  await rememberLanguage(ctx, user.guid, requester.language);
  return stepUp ? { ok: true, stepUp } : { ok: true, session, stepUp: null };
}

/** Checks the session is live and touches it; the user, read again from the directory. */
export async function activeUser(ctx: FlowContext, session: AccountSession | undefined): Promise<DirectoryUser> {
  const live = await sessionUser(ctx, session);
  touch(ctx, live.session);
  return live.user;
}

export interface ProfileAttribute {
  name: string;
  values: string[];
  editable: boolean;
}

export interface Profile {
  user: DirectoryUser;
  /** The rules a new password must meet, shown before the change form. */
  rules: RulesList;
  attributes: ProfileAttribute[];
  enrolled: { questions: number; email: string | null; mobile: string | null } | null;
  /** How many passkeys the user has; null when passkeys cannot be used on this portal. */
  passkeys: number | null;
  /** The authenticator app and recovery codes. */
  factors: OwnFactors;
}

/** The profile page: the admin's attributes, account facts and the enrollment. Audited. */
export async function viewProfile(ctx: FlowContext, user: DirectoryUser, requester: Requester): Promise<Profile> {
  const { viewAttributes, editableAttributes } = ctx.policy.selfService;
  const names = [...new Set([...viewAttributes, ...editableAttributes])];
  const values = await ctx.directory.readAttributes(user, names);
  const enrollment = await ctx.store.enrollments.get(user.guid);
  await ctx.audit.record({ ...actorOf(user), action: 'profile-view', outcome: 'success', sourceIp: requester.ip });
  return {
    user,
    rules: await rulesList(ctx, user),
    attributes: names.map((name) => ({ name, values: values[name] ?? [], editable: editableAttributes.includes(name) })),
    enrolled: enrollment && {
      questions: enrollment.answers.length,
      email: enrollment.email,
      // The number codes go to, as E.164, when one stored in an older form can be read.
      mobile: storedMobile(enrollment.mobile, ctx.policy.phone.defaultRegion) ?? enrollment.mobile,
    },
    passkeys: passkeysAvailable(ctx) ? await passkeyCount(ctx, user.guid) : null,
    factors: await ownFactors(ctx, user),
  };
}

/**
 * Attribute values a user may type: the mobile number follows the one rule of numbers that
 * codes are texted to (phone.ts) and is written as E.164, since codes may go to it; other phone
 * numbers (a desk phone, an extension, a fax) only look like phone numbers; nothing is long.
 */
const MOBILE_ATTRIBUTE = 'mobile';
const PHONE_ATTRIBUTES = new Set(['telephonenumber', 'homephone', 'ipphone', 'pager', 'facsimiletelephonenumber']);
const PHONE = /^\+?[\d\s().-]{6,30}$/;
/** Attribute values that are e-mail addresses: one bare address each, as at enrollment. */
const MAIL_ATTRIBUTES = new Set(['mail', 'othermailbox']);
const MAX_VALUE_LENGTH = 128;

/** What is wrong with the submitted profile values; empty when they can be written. */
export function profileErrors(changes: Record<string, string>, defaultRegion?: string | null): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(changes)) {
    const mobile = value && name.toLowerCase() === MOBILE_ATTRIBUTE ? parseMobile(value, defaultRegion) : null;
    if (value.length > MAX_VALUE_LENGTH) errors.push({ field: name, code: 'LK_VALUE_TOO_LONG', params: { max: MAX_VALUE_LENGTH } });
    // No line breaks or other invisible characters in a value.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character in a profile value is refused
    else if (/[\u0000-\u001f\u007f]/.test(value)) errors.push({ field: name, code: 'LK_VALUE_INVALID' });
    else if (mobile && !mobile.ok) errors.push({ field: name, code: mobile.code, ...(mobile.params ? { params: mobile.params } : {}) });
    else if (value && PHONE_ATTRIBUTES.has(name.toLowerCase()) && !PHONE.test(value)) errors.push({ field: name, code: 'LK_PHONE_INVALID' });
    else if (value && MAIL_ATTRIBUTES.has(name.toLowerCase()) && bareAddress(value) !== value) errors.push({ field: name, code: 'LK_EMAIL_INVALID' });
  }
  return errors;
}

export type EditOutcome = { outcome: 'done'; changed: string[] } | { outcome: 'invalid'; errors: FieldError[] };

/**
 * Writes the changed profile values with the service account. Only the admin's editable
 * attributes: anything else in the request (a crafted form) is refused as a whole, and audited.
 */
export async function editProfile(ctx: FlowContext, user: DirectoryUser, submitted: Record<string, string>, requester: Requester): Promise<EditOutcome> {
  const editable = ctx.policy.selfService.editableAttributes;
  const record = (outcome: 'success' | 'refused' | 'failure', detail: string) =>
    ctx.audit.record({ ...actorOf(user), action: 'profile-edit', outcome, sourceIp: requester.ip, detail });
  const forbidden = Object.keys(submitted).filter((name) => !editable.includes(name));
  if (forbidden.length) {
    await record('refused', `not editable: ${forbidden.join(', ')}`);
    return { outcome: 'invalid', errors: forbidden.map((field) => ({ field, code: 'LK_ATTRIBUTE_NOT_EDITABLE' })) };
  }
  const trimmed = Object.fromEntries(Object.entries(submitted).map(([name, value]) => [name, value.trim()]));
  const { defaultRegion } = ctx.policy.phone;
  const errors = profileErrors(trimmed, defaultRegion);
  if (errors.length) return { outcome: 'invalid', errors };
  const before = await ctx.directory.readAttributes(user, Object.keys(trimmed));
  // The mobile number is written as codes are texted to it (E.164); the one already there, in
  // whatever form, is no change.
  const asWritten = (name: string, value: string) => (value && name.toLowerCase() === MOBILE_ATTRIBUTE ? (storedMobile(value, defaultRegion) ?? value) : value);
  const changes = Object.fromEntries(
    Object.entries(trimmed)
      .map(([name, value]) => [name, asWritten(name, value)] as const)
      .filter(([name, value]) => asWritten(name, before[name]?.[0] ?? '') !== value),
  );
  if (!Object.keys(changes).length) return { outcome: 'done', changed: [] };
  try {
    await ctx.directory.updateAttributes(user, Object.fromEntries(Object.entries(changes).map(([name, value]) => [name, value || null])));
  } catch (error) {
    if (!(error instanceof LatchkeyError) || error.status >= 500) throw error;
    // The admin learns from the audit (and the log) which right to delegate; the user gets plain words.
    const rights = (error.details.rights as string[] | undefined)?.join(', ');
    await record('failure', rights ? `${error.code}: delegate ${rights}` : error.code);
    if (rights) ctx.log.warn({ code: error.code, account: user.samAccountName }, error.message);
    return { outcome: 'invalid', errors: Object.keys(changes).map((field) => ({ field, code: error.code })) };
  }
  // Old and new values of profile attributes are not secrets; the audit shows the change.
  await record(
    'success',
    Object.entries(changes)
      .map(([name, value]) => `${name}: "${before[name]?.[0] ?? ''}" → "${value}"`)
      .join('; '),
  );
  return { outcome: 'done', changed: Object.keys(changes) };
}

/** The user's groups, transitively, direct ones marked. Audited. */
export async function viewGroups(ctx: FlowContext, user: DirectoryUser, requester: Requester): Promise<GroupMembership[]> {
  const groups = await ctx.directory.groupsOf(user);
  await ctx.audit.record({ ...actorOf(user), action: 'groups-view', outcome: 'success', sourceIp: requester.ip });
  return groups;
}

export type OwnChangeOutcome = { outcome: 'done' } | { outcome: 'invalid'; errors: FieldError[] };

/**
 * Changes the signed-in user's password, bound as the user (the DC checks old password and
 * policy). The old password is tried through the same guarded path as every sign-in, so this
 * form cannot lock the account either.
 */
export async function changeOwnPassword(
  ctx: FlowContext,
  user: DirectoryUser,
  input: { oldPassword: string; newPassword: string; confirm: string },
  requester: Requester,
): Promise<OwnChangeOutcome> {
  const errors = await newPasswordErrors(ctx, user, input.newPassword, input.confirm, {
    field: 'newPassword',
    flow: 'me',
    report: (entry) => ctx.audit.record({ ...actorOf(user), sourceIp: requester.ip, ...entry }),
  });
  if (errors.length) return { outcome: 'invalid', errors };
  const record = (outcome: 'success' | 'refused' | 'unknown', detail?: string) =>
    ctx.audit.record({ ...actorOf(user), action: 'change', outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
  const tried = await tryPassword(ctx, { name: user.samAccountName, password: input.oldPassword }, requester, { user, acceptExpired: true, hold: true });
  if (!tried.ok) {
    await record('refused', `signed in: ${tried.reason}`);
    return { outcome: 'invalid', errors: [{ field: 'oldPassword', code: tried.error.code }] };
  }
  let receipt: WriteReceipt;
  try {
    receipt = await changeProvenPassword(ctx, tried, input.oldPassword, input.newPassword);
  } catch (error) {
    // The password may have changed: the trail says so.
    if (WriteOutcomeUnknown.is(error)) await record('unknown', `signed in: ${error.code}`);
    if (!(error instanceof LatchkeyError) || error.status >= 500) throw error;
    await record('refused', `signed in: ${error.code}`);
    const field = policyFieldError(error, 'newPassword');
    return {
      outcome: 'invalid',
      errors: [field ?? { field: 'oldPassword', code: error.code === 'LK_ACCOUNT_LOCKED' ? 'LK_INVALID_CREDENTIALS' : error.code }],
    };
  }
  await record('success', writeDetail(receipt, 'signed in'));
  notifyOwner(ctx, user, 'change', requester);
  return { outcome: 'done' };
}

/** An enrollment started from the signed-in area: no second password prompt (privileged accounts refused). */
export async function enrollFromAccount(ctx: FlowContext, user: DirectoryUser): Promise<EnrollState | LatchkeyError> {
  if (!ctx.policy.protection.allowProtectedAccounts && (await ctx.directory.protection(user)).protected) return AccountProtected({});
  return {
    user: { guid: user.guid, sam: user.samAccountName, upn: user.userPrincipalName, displayName: user.displayName },
    directoryEmail: user.mail,
    directoryMobile: user.mobile,
    expiresAt: ctx.now() + ENROLL_LIFETIME_MS,
  };
}
