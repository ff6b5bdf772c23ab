/**
 * Trying a user's AD password (enroll, change, the signed-in area, the helpdesk and the admin
 * console): limited per address and per name, guarded against locking the AD account, with a
 * wrong name and a wrong password indistinguishable.
 */
import { type AuditAction, actorOf } from '../audit/recorder.ts';
import { bindFailureError } from '../directory/ad-errors.ts';
import type { BindFailure, DirectoryUser, HeldBind } from '../directory/directory.ts';
import { InvalidCredentials } from '../directory/errors.ts';
import { lockoutImminent, type PasswordPolicy } from '../directory/password-policy.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import { withUniformDelay } from '../security/timing.ts';
import type { FlowContext, Requester } from './context.ts';
import { limitKeys } from './limit-keys.ts';
import { typedNameKey } from './typed-name.ts';

export const RateLimited = createError('LK_RATE_LIMITED', 'There have been too many attempts. Wait a few minutes and try again.', 429);

/** Why a sign-in failed, for the audit trail. */
export type SignInFailure = 'bot' | 'rate-limited' | 'unknown-name' | 'lockout-imminent' | BindFailure;

/**
 * `policy`: the account's directory policy, read for the lockout check (the new password's check
 * uses it too); `held`: with PasswordTry.hold, the bind kept for changing the password just proven.
 */
export type SignInResult =
  | { ok: true; user: DirectoryUser; policy: PasswordPolicy; held?: HeldBind }
  | { ok: false; reason: SignInFailure; error: LatchkeyError; user: DirectoryUser | null };

export interface Credentials {
  name: string;
  domain?: string;
  password: string;
  honeypot?: string;
}

/** What an empty sign-in form lacks, said field by field before any password is tried (nothing is counted for it). */
export function missingCredentials(name: string, password: string, passwordField = 'password'): FieldError[] {
  return [
    ...(name.trim() ? [] : [{ field: 'username', code: 'LK_USERNAME_REQUIRED' }]),
    ...(password ? [] : [{ field: passwordField, code: 'LK_CURRENT_PASSWORD_REQUIRED' }]),
  ];
}

/** The keys of the password-try limits: per source address, and per canonical name (every spelling alike). */
const addressKey = (requester: Requester) => limitKeys.passwordTriesFromAddress(requester.ip);
const nameLimitKey = limitKeys.passwordTriesForName;

/** Bind refusals AD gives only for the right password. */
const EXPIRED_BUT_RIGHT: ReadonlySet<BindFailure> = new Set(['password-expired', 'must-change']);

export interface PasswordTry {
  /** The account, when the caller already knows it (the signed-in area); otherwise found from the name. */
  user?: DirectoryUser;
  /** Treat an expired or must-change password as right (AD only says so when it is): the change page needs it. */
  acceptExpired?: boolean;
  /** Keep a successful bind for changing this password (the result's `held`, which the caller releases). */
  hold?: boolean;
}

/**
 * The one way Latchkey tries a user's AD password, on every page that takes one: counted per
 * address and per canonical name, refused without a bind when one more wrong password would lock
 * the account, and a wrong name told apart from a wrong password by nothing.
 */
export async function tryPassword(ctx: FlowContext, input: Credentials, requester: Requester, options: PasswordTry = {}): Promise<SignInResult> {
  const { perIp, perUser } = ctx.policy.protection;
  const now = ctx.now();
  const key = nameLimitKey(await typedNameKey(ctx, input.name, input.domain));
  // Both counters always advance, so a limited address cannot probe names for free.
  const byIp = await ctx.store.throttle.hit(addressKey(requester), perIp.windowMinutes * 60_000, now);
  const byName = await ctx.store.throttle.hit(key, perUser.windowMinutes * 60_000, now);
  if (ctx.policy.protection.honeypot && input.honeypot) return refusedUntried(ctx, input, options, 'bot');
  if (byIp > perIp.max || byName > perUser.max) return refusedUntried(ctx, input, options, 'rate-limited');
  const user = options.user ?? (await ctx.directory.findUser(input.name, input.domain));
  if (!user) return { ok: false, reason: 'unknown-name', error: InvalidCredentials({}), user: null };
  // Shown as a wrong password, like a locked account: a different answer would tell an
  // attacker the name exists. The real user can reset, or wait for the window to pass.
  const policy = await ctx.directory.passwordPolicy(user); // its resultant policy, from its DC
  if (lockoutImminent(policy, user.state, ctx.now())) return { ok: false, reason: 'lockout-imminent', error: InvalidCredentials({}), user };
  const bound = await ctx.directory.verifyPassword(user, input.password, { hold: options.hold ?? false });
  if (!bound.ok && !(options.acceptExpired && EXPIRED_BUT_RIGHT.has(bound.reason))) {
    // AD answers "locked" whatever the password: shown as a wrong password, it reveals nothing.
    const error = bound.reason === 'locked' ? InvalidCredentials({}) : bindFailureError(bound.reason);
    return { ok: false, reason: bound.reason, error, user };
  }
  const held = bound.ok ? bound.held : undefined;
  try {
    // Only tries since the last success count against the name: the owner signing in ends a stranger's run.
    await ctx.store.throttle.reset(key);
    // Nor does a success count against the address: colleagues signing in behind one NAT never use up its limit.
    await ctx.store.throttle.release(addressKey(requester), now);
  } catch (error) {
    await held?.release();
    throw error;
  }
  return { ok: true, user, policy, ...(held ? { held } : {}) };
}

/**
 * Changes the password `tried` proved, as the user: on the bind it held, else (an expired or
 * must-change password, which AD will not bind with) on a connection of its own.
 */
export function changeProvenPassword(ctx: FlowContext, tried: Extract<SignInResult, { ok: true }>, oldPassword: string, newPassword: string) {
  return tried.held ? tried.held.changePassword(newPassword) : ctx.directory.changePassword(tried.user, oldPassword, newPassword);
}

/**
 * A try refused before any password is tried (a bot, a reached limit): a wrong password on the
 * page, but the account it names, when there is one, for the audit trail.
 */
async function refusedUntried(ctx: FlowContext, input: Credentials, options: PasswordTry, reason: 'bot' | 'rate-limited'): Promise<SignInResult> {
  // Only for the audit: the refusal stands whatever the lookup finds, or if it fails.
  const user = options.user ?? (await ctx.directory.findUser(input.name, input.domain).catch(() => null));
  return { ok: false, reason, error: reason === 'bot' ? InvalidCredentials({}) : RateLimited({}), user };
}

/** Signs in with the AD password after a uniform delay: the user, or the coded error to show (never which part was wrong). */
export function signIn(ctx: FlowContext, input: Credentials, requester: Requester): Promise<SignInResult> {
  return withUniformDelay(ctx.policy.protection.responseDelayMs, () => tryPassword(ctx, input, requester));
}

/** Audits a failed sign-in for `action`: as a bot or rate-limit hit when it was one of those. */
export function recordSignInFailure(ctx: FlowContext, action: AuditAction, result: Extract<SignInResult, { ok: false }>, requester: Requester): Promise<void> {
  const special: Partial<Record<SignInFailure, AuditAction>> = { bot: 'bot', 'rate-limited': 'rate-limited' };
  return ctx.audit.record({
    ...(result.user ? actorOf(result.user) : { actor: null }),
    action: special[result.reason] ?? action,
    outcome: 'refused',
    sourceIp: requester.ip,
    detail: `${action} sign-in: ${result.reason}`,
  });
}
