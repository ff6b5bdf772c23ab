/**
 * Who may use the helpdesk and on whom. An operator's authority comes from the helpdesk groups
 * they hold (by SID), read afresh for each request. Every tool, a view included, reaches an
 * account only through `authorisedTarget`: never the operator's own account, never Latchkey
 * staff (members of the admin group, or of a helpdesk group whose members may not be helped),
 * never a privileged account unless allowed, never one outside the operator's OUs. Each
 * refusal is audited with operator and account.
 */
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import { AccountProtected } from '../directory/errors.ts';
import { holdsGroup } from '../directory/group-identity.ts';
import { withinAny } from '../directory/scope.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import { pinnedIdentity } from '../settings/pinned-groups.ts';
import type { FlowContext, Requester } from './context.ts';
import { groupsHeld, type SignedInSession } from './signed-in.ts';
import type { Channel } from './verification-state.ts';

export const NotHelpdesk = createError('LK_NOT_HELPDESK', 'This account is not a member of a helpdesk group. Ask your administrator for access.', 403);

export const OutOfScope = createError('LK_OUT_OF_SCOPE', 'This account is outside the OUs your helpdesk group may manage.', 403);

export const OwnAccount = createError(
  'LK_HELPDESK_OWN_ACCOUNT',
  'The helpdesk tools do not work on your own account. Use password self-service, or ask another operator.',
  403,
);

export const StaffAccount = createError(
  'LK_HELPDESK_STAFF_ACCOUNT',
  'This account belongs to a Latchkey administrator or helpdesk operator, and the helpdesk may not change it. Ask a domain administrator.',
  403,
);

/** A signed-in operator, kept server-side in the session. */
export interface OperatorSession extends SignedInSession {
  /** Accounts whose caller passed verification, until when. */
  verified: Record<string, number>;
  /** Code verifications in progress, by account GUID. */
  pending: Record<string, { flowId: string; channel: Channel }>;
  /** The enrolled questions drawn for the next answers check, by account GUID. */
  questions: Record<string, { position: number; text: string }[]>;
}

/** What an operator may do, from the helpdesk groups they belong to (read afresh for each request). */
export interface Authority {
  scopes: string[];
  allowProtected: boolean;
}

/** A live operator with their current authority; membership is checked again on every request. */
export interface Desk {
  session: OperatorSession;
  authority: Authority;
}

/** The operator's authority, or null when they hold no configured (and identified) helpdesk group. */
export async function authorityOf(ctx: FlowContext, operator: DirectoryUser): Promise<Authority | null> {
  const matched = await groupsHeld(ctx, operator, ctx.policy.helpdesk.groups, pinnedIdentity);
  if (!matched.length) return null;
  return { scopes: matched.flatMap((entry) => entry.scopes), allowProtected: matched.some((entry) => entry.allowProtected) };
}

/** Writes a helpdesk audit entry: the operator as actor, the account acted on as target. */
export function record(
  ctx: FlowContext,
  operator: { sam: string; guid: string; displayName?: string | null },
  target: { samAccountName: string; guid: string; displayName?: string | null } | null,
  action: AuditAction,
  outcome: AuditOutcome,
  requester: Requester,
  detail?: string,
) {
  return ctx.helpdeskAudit.record({
    actor: operator.sam,
    actorGuid: operator.guid,
    actorName: operator.displayName ?? null,
    target: target && { sam: target.samAccountName, guid: target.guid, name: target.displayName ?? null },
    action,
    outcome,
    sourceIp: requester.ip,
    ...(detail ? { detail } : {}),
  });
}

/** Why `user` is Latchkey staff that the helpdesk may not touch; null when it is not. */
async function staffMembership(ctx: FlowContext, user: DirectoryUser): Promise<string | null> {
  const groups = await ctx.directory.groupsOf(user);
  const admins = await ctx.adminGroup();
  if (holdsGroup(groups, admins)) return `member of the admin group ${admins.dn}`;
  for (const entry of ctx.policy.helpdesk.groups) {
    const identity = pinnedIdentity(entry);
    if (identity && !entry.membersMayBeHelped && holdsGroup(groups, identity)) return `member of the helpdesk group ${identity.dn}`;
  }
  return null;
}

/** Why this operator may not act on `user`, which is in their scopes; null when they may. Not audited. */
export async function refusalOf(ctx: FlowContext, desk: Desk, user: DirectoryUser): Promise<{ reason: string; error: LatchkeyError } | null> {
  if (user.guid === desk.session.guid) return { reason: 'own account', error: OwnAccount({}) };
  const staff = await staffMembership(ctx, user);
  if (staff) return { reason: `staff account (${staff})`, error: StaffAccount({}) };
  if (!desk.authority.allowProtected && (await ctx.directory.protection(user)).protected) return { reason: 'privileged account', error: AccountProtected({}) };
  return null;
}

/**
 * The account `guid` if this operator may act on it; otherwise a refusal, audited. Looked up in
 * the whole domain so that a request for an account outside the scopes is seen and recorded.
 */
export async function authorisedTarget(ctx: FlowContext, desk: Desk, guid: string, action: AuditAction, requester: Requester): Promise<DirectoryUser> {
  const user = await ctx.directory.getUser(guid, [(await ctx.directory.domain()).baseDn]);
  const refuse = async (reason: string, error: Error) => {
    await record(ctx, desk.session, user, 'refused', 'refused', requester, `${action}: ${reason}`);
    return error;
  };
  if (user?.guid === desk.session.guid) throw await refuse('own account', OwnAccount({}));
  if (!user || !withinAny(user.dn, desk.authority.scopes)) throw await refuse('out of scope', OutOfScope({}));
  const refusal = await refusalOf(ctx, desk, user);
  if (refusal) throw await refuse(refusal.reason, refusal.error);
  return user;
}
