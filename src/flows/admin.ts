/**
 * Admin sign-in: members (transitively) of the configured admin group, with their AD password
 * over the encrypted directory connection. Everyone else is refused; both are audited. The
 * membership is checked again on every request of the console.
 */
import type { AuditRecorder } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import { SignInRequired } from './account.ts';
import type { FlowContext, Requester } from './context.ts';
import { type Credentials, signIn } from './sign-in.ts';

export const NotAdmin = createError(
  'LK_NOT_ADMIN',
  'This account may not use the admin console. Ask an administrator to add you to the Latchkey admin group.',
  403,
);

/** A signed-in administrator, kept server-side in the session. */
export interface AdminSession {
  guid: string;
  sam: string;
  displayName: string | null;
  lastSeen: number;
}

/** Whether `user` is, at any depth, a member of `group` (a DN or a group name). */
export async function isMember(ctx: FlowContext, user: DirectoryUser, group: string): Promise<boolean> {
  const wanted = group.toLowerCase();
  return (await ctx.directory.groupsOf(user)).some((held) => held.dn.toLowerCase() === wanted || held.name.toLowerCase() === wanted);
}

export async function signInToAdmin(
  ctx: FlowContext,
  audit: AuditRecorder,
  group: string,
  input: Credentials,
  requester: Requester,
): Promise<{ ok: true; session: AdminSession } | { ok: false; error: LatchkeyError }> {
  const result = await signIn(ctx, input, requester);
  const record = (outcome: 'success' | 'refused', detail?: string) =>
    audit.record({ actor: result.user?.samAccountName ?? null, actorGuid: result.user?.guid ?? null, action: 'sign-in', outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
  if (!result.ok) {
    await record('refused', result.reason);
    return { ok: false, error: result.error };
  }
  if (!(await isMember(ctx, result.user, group))) {
    await record('refused', `not a member of ${group}`);
    return { ok: false, error: NotAdmin({}) };
  }
  await record('success');
  return { ok: true, session: { guid: result.user.guid, sam: result.user.samAccountName, displayName: result.user.displayName, lastSeen: ctx.now() } };
}

/** The live administrator: idle sessions end, and so do those of people who left the group. */
export async function activeAdmin(ctx: FlowContext, group: string, session: AdminSession | undefined): Promise<AdminSession> {
  if (!session || ctx.now() - session.lastSeen > ctx.policy.selfService.idleMinutes * 60_000) throw new SignInRequired();
  const user = await ctx.directory.getUser(session.guid, [(await ctx.directory.domain()).baseDn]);
  if (!user || !(await isMember(ctx, user, group))) throw new SignInRequired();
  session.lastSeen = ctx.now();
  return session;
}
