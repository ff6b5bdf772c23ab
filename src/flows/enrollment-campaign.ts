/**
 * Enrollment campaigns: once a day, one instance pages through the directory (the campaign's
 * search bases, optionally only members of its groups) and invites by e-mail every enabled
 * account that has not enrolled, or lacks what the factor policy asks of it, with a link to
 * /enroll: at most `maxInvitations` times, `everyDays` apart. Each invitation is claimed in the
 * store before it is sent, so several instances and restarts never send one twice. The same job
 * records the day's enrollment coverage for the dashboard's history.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import { withinAny } from '../directory/scope.ts';
import type { LatchkeyError } from '../errors.ts';
import { JOB_TRY_MS } from '../jobs/jobs.ts';
import type { Log } from '../log.ts';
import { pinnedIdentity } from '../settings/pinned-groups.ts';
import type { FlowContext } from './context.ts';
import { factorStatus } from './factor-status.ts';
import { preferredLanguage } from './language-preference.ts';
import { groupsHeld } from './signed-in.ts';

const DAY_MS = 86_400_000;
/** Users asked of the directory at a time. */
const PAGE = 200;

/** Why an account examined was not invited (dry runs list them). */
export type Passed = 'disabled' | 'enough' | 'not-in-group' | 'protected' | 'waiting' | 'done' | 'no-address' | 'claimed-elsewhere';

export interface CampaignRun {
  dryRun: boolean;
  /** Accounts looked at. */
  examined: number;
  /** Accounts invited now (in a dry run: that would be), with which invitation of how many. */
  invited: { account: string; nth: number }[];
  /** Accounts not invited, by reason. */
  passed: Partial<Record<Passed, number>>;
  /** Invitations that could not be sent (given back for a later run). */
  failed: number;
}

/** The subtrees the campaign goes through: its own bases inside the directory's, else the directory's. */
export function campaignBases(ctx: Pick<FlowContext, 'policy'>): string[] {
  const { searchBases } = ctx.policy.directory;
  const own = ctx.policy.campaigns.searchBases.filter((base) => withinAny(base, searchBases));
  return ctx.policy.campaigns.searchBases.length ? own : searchBases;
}

/**
 * One run of the campaign. Unless `dryRun`, it runs only when the campaigns are on and no
 * instance ran it in the last day (null otherwise), and sends; a dry run sends and records
 * nothing and says who would be invited.
 */
export async function runEnrollmentCampaign(ctx: FlowContext, options: { dryRun?: boolean } = {}): Promise<CampaignRun | null> {
  const dryRun = options.dryRun ?? false;
  if (!dryRun && (!ctx.policy.campaigns.enabled || (await ctx.store.throttle.hit('job:enrollment-campaign', DAY_MS, ctx.now())) !== 1)) return null;
  const run: CampaignRun = { dryRun, examined: 0, invited: [], passed: {}, failed: 0 };
  let after: string | null = null;
  do {
    const page = await ctx.directory.listUsers({ bases: campaignBases(ctx), limit: PAGE, ...(after ? { after } : {}) });
    for (const user of page.users) {
      run.examined++;
      const outcome = await consider(ctx, user, dryRun);
      if (typeof outcome === 'number') run.invited.push({ account: user.samAccountName, nth: outcome });
      else if (outcome === 'failed') run.failed++;
      else run.passed[outcome] = (run.passed[outcome] ?? 0) + 1;
    }
    after = page.next;
  } while (after);
  return run;
}

/** Invites `user` if the campaign should: the invitation's number, or why not. */
async function consider(ctx: FlowContext, user: DirectoryUser, dryRun: boolean): Promise<number | Passed | 'failed'> {
  const { everyDays, maxInvitations, groups } = ctx.policy.campaigns;
  if (!user.state.enabled) return 'disabled';
  const invitation = await ctx.store.campaigns.invitation(user.guid);
  const status = await factorStatus(ctx, user);
  if (status.enough) {
    if (invitation && !dryRun) await ctx.store.campaigns.markEnrolled(user.guid, ctx.now());
    return 'enough';
  }
  if (invitation && invitation.sent >= maxInvitations) return 'done';
  if (invitation && ctx.now() - invitation.lastAt < everyDays * DAY_MS) return 'waiting';
  if (groups.length && !(await groupsHeld(ctx, user, groups, pinnedIdentity)).length) return 'not-in-group';
  // Self-service refuses privileged accounts unless the admin allows them: no point inviting them.
  if (!ctx.policy.protection.allowProtectedAccounts && (await ctx.directory.protection(user)).protected) return 'protected';
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const addresses = [...new Set([enrollment?.email, user.mail].filter((address): address is string => !!address))];
  if (!addresses.length) return 'no-address';
  const nth = (invitation?.sent ?? 0) + 1;
  if (dryRun) return nth;
  const now = ctx.now();
  if (!(await ctx.store.campaigns.claim(invitation, { userGuid: user.guid, username: user.samAccountName }, now))) return 'claimed-elsewhere';
  const audit = (action: 'invitation-sent' | 'delivery-failed', outcome: 'success' | 'failure', detail: string) =>
    ctx.audit.record({ actor: user.samAccountName, actorGuid: user.guid, actorName: user.displayName, action, outcome, sourceIp: '-', detail });
  try {
    if (!ctx.mail) throw new Error('e-mail is not configured');
    const t = ctx.texts((await preferredLanguage(ctx, user.guid)) ?? ctx.policy.ui.language);
    const { publicUrl } = ctx.policy.server;
    const link = (path: string) => (publicUrl ? new URL(path, publicUrl).href : path);
    const params = {
      organisation: ctx.policy.ui.organisation,
      name: user.displayName ?? user.samAccountName,
      account: user.samAccountName,
      enrollUrl: link('/enroll'),
      // Each way of proving who one is that is not set up yet, and where it is set up.
      missing: status.factors
        .filter((factor) => !factor.ready)
        .map((factor) => `  - ${t(`verify.factorName.${factor.factor}`)}: ${link(factor.setUpAt)}`)
        .join('\n'),
      nth,
      max: maxInvitations,
    };
    await ctx.mail.send({ to: addresses, subject: t('mail.invitation.subject', params), text: t('mail.invitation.body', params) });
  } catch (error) {
    await ctx.store.campaigns.release({ userGuid: user.guid, sent: nth, lastAt: now }, invitation);
    await audit('delivery-failed', 'failure', `campaign invitation ${nth} of ${maxInvitations}: ${(error as LatchkeyError).code ?? (error as Error).message}`);
    return 'failed';
  }
  await audit('invitation-sent', 'success', `campaign invitation ${nth} of ${maxInvitations}`);
  return nth;
}

/** Records today's enrollment coverage unless an instance did already; true when this call did. */
export async function recordCoverageDay(ctx: FlowContext): Promise<boolean> {
  const day = Math.floor(ctx.now() / DAY_MS);
  if ((await ctx.store.campaigns.coverageHistory(day, day)).length) return false;
  const users = await ctx.directory.countUsers(ctx.policy.directory.searchBases).catch(() => null);
  return ctx.store.campaigns.recordCoverage({ day, users, enrolled: await ctx.store.enrollments.count() }, ctx.now());
}

/** Tries the campaign and the coverage record every `everyMs` (as the other jobs); returns the stop. */
export function scheduleCampaigns(ctx: FlowContext, log: Log, everyMs = JOB_TRY_MS): () => void {
  const timer = setInterval(() => {
    void recordCoverageDay(ctx).catch((error: unknown) => log.error({ err: error }, 'recording the enrollment coverage failed'));
    void runEnrollmentCampaign(ctx).catch((error: unknown) => log.error({ err: error }, 'the enrollment campaign failed'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
