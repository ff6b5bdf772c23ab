/**
 * Admin sign-in: members (transitively) of the configured admin group, with their AD password
 * over the encrypted directory connection. Everyone else is refused; both are audited. The
 * membership is checked again on every request of the console.
 */
import { type AuditRecorder, actorOf } from '../../audit/recorder.ts';
import type { DirectoryUser } from '../../directory/directory.ts';
import { createError, LatchkeyError } from '../../errors.ts';
import { pinnedIdentity } from '../../settings/pinned-groups.ts';
import type { FlowContext, Requester } from '../context.ts';
import { type Credentials, signIn } from '../sign-in.ts';
import { groupsHeld, openSession, type SignedInSession, SignInRequired, sessionUser, touch, wholeDomain } from '../signed-in.ts';

export const NotAdmin = createError(
  'LK_NOT_ADMIN',
  'This account may not use the admin console. Ask an administrator to add you to the Latchkey admin group.',
  403,
);

export const AdminGroupUnidentified = createError(
  'LK_ADMIN_GROUP_UNIDENTIFIED',
  'The admin console cannot tell which group its administrators are in, so nobody can sign in now. An administrator should fix admin.group as the Latchkey log says.',
  503,
);

/** A signed-in administrator, kept server-side in the session. */
export type AdminSession = SignedInSession;

/** Whether `user` is, at any depth, a member of the admin group (by its SID). */
async function isAdmin(ctx: FlowContext, user: DirectoryUser): Promise<boolean> {
  return (await groupsHeld(ctx, user, [await ctx.adminGroup()], (group) => group)).length > 0;
}

export async function signInToAdmin(
  ctx: FlowContext,
  audit: AuditRecorder,
  input: Credentials,
  requester: Requester,
): Promise<{ ok: true; session: AdminSession } | { ok: false; error: LatchkeyError }> {
  const result = await signIn(ctx, input, requester);
  const record = (outcome: 'success' | 'refused', detail?: string) =>
    audit.record({
      ...(result.user ? actorOf(result.user) : { actor: null }),
      action: 'sign-in',
      outcome,
      sourceIp: requester.ip,
      ...(detail ? { detail } : {}),
    });
  if (!result.ok) {
    await record('refused', result.reason);
    return { ok: false, error: result.error };
  }
  const admins = await ctx.adminGroup().catch((error: unknown) => {
    if (!(error instanceof LatchkeyError)) throw error;
    ctx.log.error({ err: error }, 'admin.group cannot be identified: nobody can sign in to the admin console until it names exactly one group');
    return error;
  });
  if (admins instanceof LatchkeyError) {
    await record('refused', `admin group not identified: ${admins.code}`);
    return { ok: false, error: AdminGroupUnidentified({}) };
  }
  if (!(await groupsHeld(ctx, result.user, [admins], (group) => group)).length) {
    await record('refused', `not a member of ${admins.dn}`);
    return { ok: false, error: NotAdmin({}) };
  }
  await record('success');
  return { ok: true, session: openSession(ctx, result.user) };
}

/** The live administrator: idle sessions end, and so do those of people who left the group. */
export async function activeAdmin(ctx: FlowContext, session: AdminSession | undefined): Promise<AdminSession> {
  const live = await sessionUser(ctx, session, await wholeDomain(ctx));
  if (!(await isAdmin(ctx, live.user))) throw SignInRequired({});
  touch(ctx, live.session);
  return live.session;
}

/** The groups that grant access, as the console shows them: each by the DN its SID was resolved to (null: not identified). */
export async function configuredGroups(
  ctx: Pick<FlowContext, 'adminGroup' | 'policy'>,
): Promise<{ admin: string | null; helpdesk: { group: string; dn: string | null }[] }> {
  return {
    admin: await ctx.adminGroup().then(
      (group) => group.dn,
      () => null,
    ),
    helpdesk: ctx.policy.helpdesk.groups.map((entry) => ({ group: entry.group, dn: pinnedIdentity(entry)?.dn ?? null })),
  };
}
