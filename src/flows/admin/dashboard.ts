/**
 * The console's home: what happened in a period (numbers and the bars of server-drawn SVG
 * charts), how many users are enrolled, and whether the directory, mail and SMS connections and
 * the certificates are healthy. The counting is the database's (src/store/audit-stats.ts).
 */
import type { AuditAction } from '../../audit/recorder.ts';
import { refusedRule } from '../../passwords/refusals.ts';
import type { AuditRange } from '../../store/audit-stats.ts';
import type { AdminContext } from './context.ts';
import { type Chart, lineChart } from './dashboard-chart.ts';
import { type Health, line } from './health-line.ts';
import { reasonInWords } from './reasons.ts';
import { type ReminderFigures, reminderFigures, reminderHealth } from './reminder-figures.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The series the charts draw: successful resets, unlocks, changes and enrollments per day. */
const SERIES = ['reset', 'unlock', 'change', 'enroll'] as const;
/** The period shown when none (or nonsense) is asked for, and the longest one. */
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The bar's day (its first moment, UTC) and count, for its tooltip in the reader's language; null: no record that day. */
  day: number;
  count: number | null;
  /** What the count is in ('%' for coverage, '' for events). */
  unit: string;
}

export interface Board {
  totals: Record<string, number>;
  /** Failed or refused resets, unlocks, changes and enrollments by reason, in words, most frequent first. */
  reasons: { action: string; detail: string; words: string; count: number }[];
  /** New passwords refused (self-service and helpdesk) by rule, most frequent first. */
  refusals: { rule: string; count: number }[];
  /** Successful resets, unlocks, changes and enrollments per day. */
  chart: Chart;
  coverage: { enrolled: number; users: number | null; percent: number | null };
  /** Enrollment coverage on each recorded day of the period, in percent of the users (a bar of 100 is everyone). */
  coverageHistory: { max: number; bars: Bar[] };
  /** Enrollment campaigns: whether on, accounts invited, invited more than once, enrolled after an invitation. */
  campaigns: { enabled: boolean; invited: number; reminded: number; enrolled: number };
  /** Enrolled accounts per factor (and per address for codes); null where not counted. */
  factors: { name: 'questions' | 'email' | 'mobile' | 'totp' | 'passkey' | 'recovery'; accounts: number }[];
  health: Health[];
  /** Password-expiry reminders: sent and failed in the period, what lies ahead. */
  reminders: ReminderFigures;
  /** The admin turned self-service logging off: routine self-service activity is not audited (nor counted here). */
  selfServiceAuditOff: boolean;
}

/** What the dashboard reads. */
export type DashboardContext = Pick<AdminContext, 'store' | 'directory' | 'policy' | 'mail' | 'mailer' | 'certificates' | 'now' | 'settings' | 't'>;

/** The period in days for a requested number: 30 for none or nonsense, else within 1..366. */
export function dashboardDays(requested: number): number {
  return Math.min(Math.max(requested || DEFAULT_DAYS, 1), MAX_DAYS);
}

/** Bars for one series over `days` days from `firstDay`, in a 600×120 box; `scale` fixes the top (else the highest day). */
function chart(perDay: Map<number, number>, firstDay: number, days: number, scale?: { max: number; unit: string }): { max: number; bars: Bar[] } {
  const max = scale?.max ?? Math.max(1, ...perDay.values());
  const width = 600 / days;
  const bars = Array.from({ length: days }, (_, i) => {
    const count = perDay.get(firstDay + i) ?? 0;
    const height = Math.round((count / max) * 110);
    return {
      x: Math.round(i * width * 10) / 10,
      y: 120 - height,
      width: Math.max(1, Math.round((width - 1) * 10) / 10),
      height,
      day: (firstDay + i) * DAY_MS,
      // A day of a fixed-scale series (coverage) without a record is shown as unknown, not as 0.
      count: perDay.has(firstDay + i) || !scale ? count : null,
      unit: scale?.unit ?? '',
    };
  });
  return { max, bars };
}

type Words = Pick<DashboardContext, 't'>;

async function check(ctx: Words, name: string, probe: () => Promise<Record<string, string | number>>): Promise<Health> {
  try {
    return line(ctx, name, name, 'ok', await probe());
  } catch (error) {
    return line(ctx, name, name, 'fail', { reason: error instanceof Error ? error.message : String(error) });
  }
}

/** The connections' and certificates' health, each in words. */
async function health(ctx: DashboardContext): Promise<Health[]> {
  const { smtp, sms } = ctx.policy;
  const mailer = ctx.mailer;
  const items: Health[] = [
    await check(ctx, 'directory', async () => ({ domain: (await ctx.directory.domain()).dnsDomain })),
    mailer
      ? await check(ctx, 'mail', async () => {
          await mailer.verify();
          return { server: `${smtp?.host}:${smtp?.port}` };
        })
      : ctx.mail
        ? line(ctx, 'mail', 'mailCaptured', 'ok')
        : line(ctx, 'mail', 'mail', 'off'),
    sms ? line(ctx, 'sms', 'sms', 'ok', { provider: sms.provider }) : line(ctx, 'sms', 'sms', 'off'),
  ];
  const certificates = await ctx.certificates();
  for (const status of certificates) {
    const certificate = { certificate: status.name };
    items.push(
      status.error
        ? { ...line(ctx, `certificate ${status.name}`, 'certificate', status.state, {}, certificate), detail: status.error }
        : line(ctx, `certificate ${status.name}`, 'certificate', status.state, { days: status.daysLeft ?? 0, subject: status.subject ?? '' }, certificate),
    );
  }
  if (!certificates.some((status) => status.name === 'web')) items.push(line(ctx, 'web certificate', 'webCertificate', 'off'));
  items.push(await scheduledBackupHealth(ctx));
  return items;
}

/**
 * The scheduled backups, from the last run's audit entry: a failure, or none within the cycle
 * (and the hour the jobs are tried in), needs the admin.
 */
async function scheduledBackupHealth(ctx: DashboardContext): Promise<Health> {
  const { enabled, everyHours, folder } = ctx.settings.current().backups;
  const name = 'scheduled backups';
  const backups = (state: Health['state'], variant: string, params: Record<string, string | number> = {}) =>
    line(ctx, name, 'scheduledBackups', state, { hours: everyHours, folder: folder ?? '', ...params }, {}, variant);
  if (!enabled) return backups('off', 'off');
  const [last] = await ctx.store.audit.query({ action: 'scheduled-backup' satisfies AuditAction, limit: 1 });
  if (!last) return backups('warn', 'none');
  const when = new Date(last.at).toISOString();
  const params = { when, detail: last.detail ?? '' };
  if (last.outcome !== 'success') return backups('fail', 'failed', params);
  if (ctx.now() - last.at > (everyHours + 1) * HOUR_MS) return backups('warn', 'late', params);
  return backups('ok', 'ok', params);
}

/** Refused new passwords in `range` by rule, whichever flow refused them (the audit detail names both). */
async function refusalsByRule(ctx: DashboardContext, range: AuditRange): Promise<Board['refusals']> {
  const byRule = new Map<string, number>();
  for (const { detail, count } of await ctx.store.auditStats.failureReasons(['password-refused'], range, 1000)) {
    const rule = refusedRule(detail);
    byRule.set(rule, (byRule.get(rule) ?? 0) + count);
  }
  return [...byRule].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
}

/** How many accounts can use each factor: the enrollment's answers and addresses, and the factors set up at /me. */
async function factorCoverage(ctx: DashboardContext): Promise<Board['factors']> {
  const { questions, email, mobile } = await ctx.store.enrollments.coverage();
  return [
    { name: 'questions', accounts: questions },
    { name: 'email', accounts: email },
    { name: 'mobile', accounts: mobile },
    { name: 'totp', accounts: await ctx.store.totp.accounts() },
    { name: 'passkey', accounts: await ctx.store.passkeys.accounts() },
    { name: 'recovery', accounts: await ctx.store.recoveryCodes.accounts() },
  ];
}

/** Coverage per recorded day in percent (a day without a record, or without a count of users, has no bar). */
async function coverageHistory(ctx: DashboardContext, firstDay: number, days: number): Promise<Board['coverageHistory']> {
  const perDay = new Map<number, number>();
  for (const day of await ctx.store.campaigns.coverageHistory(firstDay, firstDay + days - 1)) {
    if (day.users) perDay.set(day.day, Math.round((day.enrolled / day.users) * 1000) / 10);
  }
  return chart(perDay, firstDay, days, { max: 100, unit: ' %' });
}

/** The dashboard for the last `days` days (today included; see dashboardDays). */
export async function dashboard(ctx: DashboardContext, days: number): Promise<Board> {
  const to = ctx.now();
  const firstDay = Math.floor(to / DAY_MS) - days + 1;
  const range = { from: firstDay * DAY_MS, to };
  const counts = await ctx.store.auditStats.countsByDay(range);
  const total = (action: string, outcome?: string) =>
    counts.filter((c) => c.action === action && (!outcome || c.outcome === outcome)).reduce((sum, c) => sum + c.count, 0);
  const totals: Record<string, number> = {
    reset: total('reset', 'success'),
    unlock: total('unlock', 'success'),
    change: total('change', 'success'),
    enroll: total('enroll', 'success'),
    'verification-locked': total('verification-locked') + total('portal-lockout'),
    'rate-limited': total('rate-limited'),
    bot: total('bot'),
    'throttled-sign-ins': await ctx.store.auditStats.throttledSignIns(range),
  };
  const perSeries = SERIES.map((name) => {
    const perDay = new Map<number, number>();
    for (const c of counts) if (c.action === name && c.outcome === 'success') perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.count);
    return { name, perDay };
  });
  const reminders = await reminderFigures(ctx, range, total);
  const enrolled = await ctx.store.enrollments.count();
  const users = await ctx.directory.countUsers(ctx.policy.directory.searchBases).catch(() => null);
  return {
    totals,
    reasons: (await ctx.store.auditStats.failureReasons(SERIES, range)).map((reason) => ({ ...reason, words: reasonInWords(ctx.t, reason.detail) })),
    refusals: await refusalsByRule(ctx, range),
    chart: lineChart(perSeries, firstDay, days),
    coverage: { enrolled, users, percent: users ? Math.round((enrolled / users) * 1000) / 10 : null },
    coverageHistory: await coverageHistory(ctx, firstDay, days),
    campaigns: { enabled: ctx.policy.campaigns.enabled, ...(await ctx.store.campaigns.figures()) },
    factors: await factorCoverage(ctx),
    health: [...(await health(ctx)), reminderHealth(ctx.t, reminders, to)],
    reminders,
    selfServiceAuditOff: !ctx.policy.audit.selfService,
  };
}
