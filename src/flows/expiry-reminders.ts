/**
 * Password-expiry reminders: once a day (src/jobs/jobs.ts), or by hand (`latchkey reminders`),
 * every enabled account whose password expires within the largest lead day gets the reminder
 * that is due for it: the smallest lead day not below its days left, so a missed day is caught
 * up by the next run and nobody gets two reminders at once. Each reminder goes once per
 * password (account, pwdLastSet, lead day), claimed in the store before it is sent: a send that
 * fails gives the claim back for the next run, a send that went is marked sent, and a claim whose
 * sender stopped mid-send is never sent again (a reminder twice is what must not happen).
 * The directory is read a page at a time and the reminders go a few at a time over one pooled
 * connection, so memory stays flat whatever the size of the domain.
 */
import { randomUUID } from 'node:crypto';
import type { PasswordExpiry } from '../directory/directory.ts';
import { DirectoryUnreachable } from '../directory/errors.ts';
import { maskEmail, maskPhone } from '../notify/masking.ts';
import { storedMobile } from '../notify/phone.ts';
import type { MailPort } from '../notify/ports.ts';
import type { ReminderKey, ReminderRunSummary } from '../store/expiry-reminders.ts';
import type { AdminContext } from './admin/context.ts';
import { explain } from './admin/settings.ts';
import { reminderMessage } from './expiry-reminder-message.ts';
import { preferredLanguage } from './language-preference.ts';

const DAY_MS = 86_400_000;
/** How far ahead the run counts upcoming expiries, day by day (the dashboard's figures). */
export const UPCOMING_DAYS = 14;
/** Reminders sent at once over the pooled connection, and how many such batches may be under way while the scan goes on. */
const BATCH = 8;
const WINDOW = 2;
/** Deliveries that failed in a row after which the run stops (the mail server is down): the rest go next run. */
const FAILURES_IN_A_ROW = 3;
/** The scan starts again this many times after the directory connection is lost (on the next DC that answers). */
const SCAN_RETRIES = 1;
/** Reminders of a password that expired this long ago are forgotten. */
const KEEP_AFTER_EXPIRY_MS = 60 * DAY_MS;

/** What the run works with: the flows' context and the admin trail, where each reminder is audited. */
export type ReminderContext = Pick<AdminContext, 'directory' | 'store' | 'mail' | 'sms' | 'texts' | 'policy' | 'log' | 'now' | 'adminAudit'>;

export interface ReminderRunOptions {
  /** List what would be sent (through onDue) without sending, claiming or auditing anything. */
  dryRun?: boolean;
  /** Stops the run between two batches (the instance is shutting down); what is left goes next run. */
  signal?: AbortSignal;
  /** The sender for this run (a pooled connection); default: the portal's. */
  mail?: MailPort | null;
  /** Told of each reminder due today and not sent yet, and (dry run) of each expired account. */
  onDue?: (due: DueReminder) => void;
  onExpired?: (account: PasswordExpiry) => void;
  /** Entries per page of the directory scan (default: the directory's). */
  pageSize?: number;
}

/** A reminder due today: to whom, which one, by which channels. */
export interface DueReminder {
  account: PasswordExpiry;
  leadDays: number;
  daysLeft: number;
  /** The addresses it goes to: e-mail and, when the settings say so, a mobile number. */
  to: { email?: string; sms?: string };
}

/** What a run did; in a dry run, `sent` counts what would have been sent. */
export interface ReminderReport extends ReminderRunSummary {
  outcome: 'complete' | 'failed';
  /** Due but sent before (by an earlier run). */
  alreadySent: number;
  /** Due but with no e-mail address nor (when SMS is on) mobile number. */
  noAddress: number;
  /** Why a failed run stopped. */
  detail: string | null;
}

/** Whole days until `expiresAt`, rounded up: 14 from 13 days and 1 hour to 14 days. */
export function daysLeft(expiresAt: Date, now: number): number {
  return Math.ceil((expiresAt.getTime() - now) / DAY_MS);
}

/** The reminder due with `days` left: the smallest lead day not below it; null when none is. */
export function dueLeadDay(days: number, leadDays: readonly number[]): number | null {
  const due = leadDays.filter((lead) => lead >= days);
  return due.length ? Math.min(...due) : null;
}

/** A run that stops before the end; its reason goes into the run's record and the audit. */
class RunStopped extends Error {}

/** Runs the reminders (or, dry, lists them); never throws for a failed run, which is reported. */
export async function runExpiryReminders(ctx: ReminderContext, options: ReminderRunOptions = {}): Promise<ReminderReport> {
  const settings = ctx.policy.reminders;
  const startedAt = ctx.now();
  const id = randomUUID();
  const report: ReminderReport = { outcome: 'complete', scanned: 0, sent: 0, failed: 0, expired: 0, upcoming: [], alreadySent: 0, noAddress: 0, detail: null };
  if (!options.dryRun) {
    await ctx.store.expiryReminders.purgeExpiredBefore(startedAt - KEEP_AFTER_EXPIRY_MS);
    await ctx.store.expiryReminders.startRun(id, startedAt);
  }
  try {
    await scanWithRetry(ctx, options, settings.leadDays, report);
  } catch (error) {
    report.outcome = 'failed';
    report.detail = error instanceof RunStopped ? error.message : explain(error);
    ctx.log.error({ err: error }, 'the expiry reminders stopped before the end');
  }
  if (!options.dryRun) {
    await ctx.store.expiryReminders.finishRun(id, report.outcome, report, report.detail, ctx.now());
    await ctx.adminAudit.record({
      actor: 'latchkey',
      action: 'expiry-reminder-run',
      outcome: report.outcome === 'complete' ? 'success' : 'failure',
      sourceIp: '-',
      detail: runDetail(report),
    });
  }
  return report;
}

/** The run in words, for the audit. */
function runDetail(report: ReminderReport): string {
  const upcoming = report.upcoming.reduce((sum, count) => sum + count, 0);
  const facts = `scanned ${report.scanned}, sent ${report.sent}, failed ${report.failed}, sent before ${report.alreadySent}, no address ${report.noAddress}; already expired ${report.expired}; expiring within ${UPCOMING_DAYS} days ${upcoming}`;
  return report.detail ? `${facts}; stopped: ${report.detail}` : facts;
}

/**
 * The scan, started again when the directory connection is lost part-way (the connection then
 * goes to the next DC that answers). What was sent before the loss is claimed and not sent again;
 * the counts of what was found start again with the scan.
 */
async function scanWithRetry(ctx: ReminderContext, options: ReminderRunOptions, leadDays: number[], report: ReminderReport): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    Object.assign(report, { scanned: 0, expired: 0, upcoming: Array(UPCOMING_DAYS).fill(0) });
    try {
      return await scan(ctx, options, leadDays, report);
    } catch (error) {
      if (!DirectoryUnreachable.is(error) || attempt >= SCAN_RETRIES) throw error;
      ctx.log.warn({ err: error }, 'the directory connection was lost during the expiry-reminder scan; scanning again');
    }
  }
}

/**
 * One pass over the directory: counts, and the due reminders sent (or listed) a batch at a time,
 * up to WINDOW batches at once while the scan goes on, so that the run takes about as long as
 * the slower of the two rather than both. A batch that stops the run stops the scan at the
 * next batch; the batches under way finish first.
 */
async function scan(ctx: ReminderContext, options: ReminderRunOptions, leadDays: number[], report: ReminderReport): Promise<void> {
  const failures: Failures = { inARow: 0, reason: '' };
  const underWay = new Set<Promise<void>>();
  let stop: unknown = null;
  const start = async (batch: DueCandidate[]) => {
    while (underWay.size >= WINDOW) await Promise.race(underWay);
    if (stop) throw stop;
    const sending: Promise<void> = settle(ctx, options, batch, report, failures)
      .catch((error: unknown) => {
        stop ??= error;
      })
      .finally(() => underWay.delete(sending));
    underWay.add(sending);
  };
  let batch: DueCandidate[] = [];
  try {
    for await (const account of ctx.directory.passwordExpiries(options.pageSize ? { pageSize: options.pageSize } : {})) {
      report.scanned++;
      const left = daysLeft(account.expiresAt, ctx.now());
      if (left <= 0) {
        report.expired++;
        options.onExpired?.(account);
        continue;
      }
      if (left <= UPCOMING_DAYS) report.upcoming[left - 1]!++;
      const lead = dueLeadDay(left, leadDays);
      if (lead === null) continue;
      batch.push({ account, leadDays: lead, daysLeft: left });
      if (batch.length >= BATCH) {
        await start(batch);
        batch = [];
      }
    }
    await start(batch);
  } finally {
    await Promise.all(underWay);
  }
  if (stop) throw stop;
}

type DueCandidate = Omit<DueReminder, 'to'>;

/** Deliveries that failed since the last one that went, and why the last failed. */
type Failures = { inARow: number; reason: string };

/** One batch: sent at once (or listed), counted; stops the run when it is aborted or the senders keep failing. */
async function settle(ctx: ReminderContext, options: ReminderRunOptions, batch: DueCandidate[], report: ReminderReport, failures: Failures) {
  const stopped = () => new RunStopped('the run was stopped (the instance shut down); the rest go next run');
  if (options.signal?.aborted) throw stopped();
  const outcomes = await Promise.all(batch.map((due) => (options.dryRun ? list(ctx, options, due) : deliver(ctx, options, due))));
  for (const outcome of outcomes) {
    if (outcome.result === 'stopped') continue;
    if (outcome.result === 'sent') report.sent++;
    else if (outcome.result === 'failed') report.failed++;
    else if (outcome.result === 'already-sent') report.alreadySent++;
    else report.noAddress++;
    if (outcome.result === 'sent') failures.inARow = 0;
    if (outcome.result !== 'failed') continue;
    failures.inARow++;
    failures.reason = outcome.reason;
  }
  // Counted in full first: what a batch did is in the report even when it stops the run.
  if (options.signal?.aborted) throw stopped();
  if (failures.inARow >= FAILURES_IN_A_ROW) throw new RunStopped(`${failures.inARow} deliveries failed in a row (${failures.reason}); the rest go next run`);
}

/** What became of one due reminder; 'stopped': not begun, the run was stopped first. */
type Outcome = { result: 'sent' | 'already-sent' | 'no-address' | 'stopped' } | { result: 'failed'; reason: string };

/** Where the reminder goes: the enrolled e-mail address or the directory's, and the mobile number when SMS is on. */
async function destinations(ctx: ReminderContext, account: PasswordExpiry, mail: MailPort | null): Promise<DueReminder['to']> {
  const enrollment = await ctx.store.enrollments.get(account.guid);
  const email = mail ? (enrollment?.email ?? account.mail) : null;
  const mobile = ctx.policy.reminders.sms && ctx.sms ? storedMobile(enrollment?.mobile ?? account.mobile, ctx.policy.phone.defaultRegion) : null;
  return { ...(email ? { email } : {}), ...(mobile ? { sms: mobile } : {}) };
}

/** Dry run: tells of the reminder when it has not gone yet. */
async function list(ctx: ReminderContext, options: ReminderRunOptions, due: DueCandidate): Promise<Outcome> {
  if (await ctx.store.expiryReminders.has(keyOf(due))) return { result: 'already-sent' };
  const to = await destinations(ctx, due.account, options.mail ?? ctx.mail);
  if (!to.email && !to.sms) return { result: 'no-address' };
  options.onDue?.({ ...due, to });
  return { result: 'sent' };
}

function keyOf(due: DueCandidate): ReminderKey {
  return { accountGuid: due.account.guid, passwordSet: due.account.passwordSet, leadDays: due.leadDays };
}

/**
 * Claims the reminder, sends it by each channel, and marks it sent when any channel took it;
 * when none did, the claim is given back for the next run. Audited either way.
 */
async function deliver(ctx: ReminderContext, options: ReminderRunOptions, due: DueCandidate): Promise<Outcome> {
  // Batches already under way when the instance stops leave the reminders they have not begun.
  if (options.signal?.aborted) return { result: 'stopped' };
  const key = keyOf(due);
  const { account } = due;
  if (!(await ctx.store.expiryReminders.claim(key, account.expiresAt.getTime(), ctx.now()))) return { result: 'already-sent' };
  const mail = options.mail ?? ctx.mail;
  const to = await destinations(ctx, account, mail);
  if (!to.email && !to.sms) {
    await ctx.store.expiryReminders.release(key);
    return { result: 'no-address' };
  }
  const message = reminderMessage(ctx, { ...account, daysLeft: due.daysLeft }, await preferredLanguage(ctx, account.guid));
  const sends = [
    ...(to.email
      ? [{ channel: `e-mail to ${maskEmail(to.email)}`, send: () => mail!.send({ to: [to.email!], subject: message.subject, text: message.body }) }]
      : []),
    ...(to.sms ? [{ channel: `text to ${maskPhone(to.sms)}`, send: () => ctx.sms!.send({ to: to.sms!, body: message.sms }) }] : []),
  ];
  const results = await Promise.all(
    sends.map(({ channel, send }) =>
      send().then(
        () => ({ channel, error: null }),
        (error: unknown) => ({ channel, error: explain(error) }),
      ),
    ),
  );
  const went = results.filter((r) => r.error === null);
  const failed = results.filter((r) => r.error !== null);
  const detail = [
    `${due.leadDays}-day reminder (expires ${account.expiresAt.toISOString()})`,
    ...went.map((r) => `${r.channel} sent`),
    ...failed.map((r) => `${r.channel} failed: ${r.error}`),
  ].join('; ');
  if (went.length) await ctx.store.expiryReminders.markSent(key, ctx.now());
  else await ctx.store.expiryReminders.release(key);
  await ctx.adminAudit.record({
    actor: 'latchkey',
    action: 'expiry-reminder',
    outcome: went.length ? 'success' : 'failure',
    sourceIp: '-',
    target: { sam: account.samAccountName, guid: account.guid, name: account.displayName },
    detail,
  });
  return went.length ? { result: 'sent' } : { result: 'failed', reason: failed[0]?.error ?? 'no channel' };
}
