/**
 * A person signed in with their AD password, to their own account, the helpdesk or the admin
 * console: one session shape, one idle rule, one way to read the person again from the
 * directory, and one rule for the groups they hold.
 */
import type { DirectoryUser, GroupIdentity } from '../directory/directory.ts';
import { holdsGroup } from '../directory/group-identity.ts';
import { createError } from '../errors.ts';
import type { FlowContext } from './context.ts';

/** Kept server-side in the session; each area adds what it needs. */
export interface SignedInSession {
  guid: string;
  sam: string;
  displayName: string | null;
  /** Last request; the session ends after selfService.idleMinutes without one. */
  lastSeen: number;
}

/** Refused because the session is missing, idle too long, or its person may no longer be here. */
export const SignInRequired = createError('LK_SIGN_IN_REQUIRED', 'Please sign in again; your session ended after a while without use.', 401);

/** A new session for `user`, just signed in. */
export function openSession(ctx: FlowContext, user: DirectoryUser): SignedInSession {
  return { guid: user.guid, sam: user.samAccountName, displayName: user.displayName, lastSeen: ctx.now() };
}

/**
 * The session's person, read again from the directory (in `bases`, default the search bases),
 * when the session exists and has not been idle too long; otherwise SignInRequired. The caller
 * touches the session once its own checks pass.
 */
export async function sessionUser<Session extends SignedInSession>(
  ctx: FlowContext,
  session: Session | undefined,
  bases?: string[],
): Promise<{ user: DirectoryUser; session: Session }> {
  if (!session || ctx.now() - session.lastSeen > ctx.policy.selfService.idleMinutes * 60_000) throw SignInRequired({});
  const user = await ctx.directory.getUser(session.guid, bases);
  if (!user) throw SignInRequired({});
  return { user, session };
}

/** Marks the session as used now: the idle time starts again. */
export function touch(ctx: FlowContext, session: SignedInSession): void {
  session.lastSeen = ctx.now();
}

/** The whole domain, for staff: an operator or admin may sit outside the self-service search bases. */
export async function wholeDomain(ctx: FlowContext): Promise<string[]> {
  return [(await ctx.directory.domain()).baseDn];
}

/**
 * Which of `groups` `user` holds, read afresh from the directory, each by the SID it is pinned
 * to (`identityOf` gives null for one not identified yet: it grants nothing).
 */
export async function groupsHeld<T>(ctx: FlowContext, user: DirectoryUser, groups: readonly T[], identityOf: (group: T) => GroupIdentity | null): Promise<T[]> {
  const memberships = await ctx.directory.groupsOf(user);
  return groups.filter((group) => {
    const identity = identityOf(group);
    return identity !== null && holdsGroup(memberships, identity);
  });
}
