/**
 * Signing in with an AD password (enroll and change now; the signed-in area and the admin
 * console later): limited per address and per name, after a uniform delay, with a wrong name
 * and a wrong password indistinguishable. Each wrong password counts toward the AD lockout.
 */
import type { AuditAction } from '../audit/recorder.ts';
import { bindFailureError } from '../directory/ad-errors.ts';
import type { BindFailure, DirectoryUser } from '../directory/directory.ts';
import { InvalidCredentials } from '../directory/errors.ts';
import { lockoutImminent } from '../directory/password-policy.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import { nameKey } from '../security/decoy.ts';
import { withUniformDelay } from '../security/timing.ts';
import type { FlowContext, Requester } from './context.ts';

export const RateLimited = createError(
  'LK_RATE_LIMITED',
  'There have been too many attempts. Wait a few minutes and try again.',
  429,
);

/** Why a sign-in failed, for the audit trail. */
export type SignInFailure = 'bot' | 'rate-limited' | 'unknown-name' | 'lockout-imminent' | BindFailure;

/** The throttle scope of every page that tries a user's AD password: one limit across them all. */
export const PASSWORD_ATTEMPTS = 'password';

export type SignInResult =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: SignInFailure; error: LatchkeyError; user: DirectoryUser | null };

export interface Credentials {
  name: string;
  domain?: string;
  password: string;
  honeypot?: string;
}

/** Counts an attempt per address and per name; true when either is over its limit. */
export async function attemptLimited(ctx: FlowContext, scope: string, name: string, domain: string | undefined, requester: Requester) {
  const { perIp, perUser } = ctx.policy.protection;
  const now = ctx.now();
  const key = nameKey(ctx.keys.decoy, `${domain ?? ''}\\${name}`);
  const byIp = await ctx.store.throttle.hit(`${scope}-ip:${requester.ip}`, perIp.windowMinutes * 60_000, now);
  const byName = await ctx.store.throttle.hit(`${scope}-name:${key}`, perUser.windowMinutes * 60_000, now);
  return byIp > perIp.max || byName > perUser.max;
}

/** Binds as the named user: the user, or the coded error to show (never which part was wrong). */
export function signIn(ctx: FlowContext, input: Credentials, requester: Requester): Promise<SignInResult> {
  return withUniformDelay(ctx.policy.protection.responseDelayMs, async (): Promise<SignInResult> => {
    const limited = await attemptLimited(ctx, PASSWORD_ATTEMPTS, input.name, input.domain, requester);
    if (ctx.policy.protection.honeypot && input.honeypot) {
      return { ok: false, reason: 'bot', error: InvalidCredentials({}), user: null };
    }
    if (limited) return { ok: false, reason: 'rate-limited', error: RateLimited({}), user: null };
    const user = await ctx.directory.findUser(input.name, input.domain);
    if (!user) return { ok: false, reason: 'unknown-name', error: InvalidCredentials({}), user: null };
    // Shown as a wrong password, like a locked account: a different answer would tell an
    // attacker the name exists. The real user can reset, or wait for the window to pass.
    if (await lockoutWouldFollow(ctx, user)) return { ok: false, reason: 'lockout-imminent', error: InvalidCredentials({}), user };
    const bound = await ctx.directory.verifyPassword(user, input.password);
    if (bound.ok) return { ok: true, user };
    // AD answers "locked" whatever the password: shown as a wrong password, it reveals nothing.
    const error = bound.reason === 'locked' ? InvalidCredentials({}) : bindFailureError(bound.reason);
    return { ok: false, reason: bound.reason, error, user };
  });
}

/** Whether one more wrong password would lock `user` (read from its DC, under its resultant policy). */
async function lockoutWouldFollow(ctx: FlowContext, user: DirectoryUser): Promise<boolean> {
  return lockoutImminent(await ctx.directory.passwordPolicy(user), user.state, ctx.now());
}

/** Audits a failed sign-in for `action`: as a bot or rate-limit hit when it was one of those. */
export function recordSignInFailure(
  ctx: FlowContext,
  action: AuditAction,
  result: Extract<SignInResult, { ok: false }>,
  requester: Requester,
): Promise<void> {
  const special: Partial<Record<SignInFailure, AuditAction>> = { bot: 'bot', 'rate-limited': 'rate-limited' };
  return ctx.audit.record({
    actor: result.user?.samAccountName ?? null,
    actorGuid: result.user?.guid ?? null,
    action: special[result.reason] ?? action,
    outcome: 'refused',
    sourceIp: requester.ip,
    detail: `${action} sign-in: ${result.reason}`,
  });
}
