/**
 * The console's home: what happened in a period (numbers and the bars of server-drawn SVG
 * charts), how many users are enrolled, and whether the directory, mail and SMS connections and
 * the certificates are healthy. The counting is the database's (src/store/audit-stats.ts).
 */
import type { AuditAction } from '../../audit/recorder.ts';
import { refusedRule } from '../../passwords/refusals.ts';
import type { AuditRange } from '../../store/audit-stats.ts';
import type { AdminContext } from './context.ts';
import { type ReminderFigures, reminderFigures, reminderHealth } from './reminder-figures.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The series the charts draw: successful resets, unlocks, changes and enrollments per day. */
const SERIES = ['reset', 'unlock', 'change', 'enroll'] as const;
/** The period shown when none (or nonsense) is asked for, and the longest one. */
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

export interface Health {
  name: string;
  state: 'ok' | 'warn' | 'fail' | 'off';
  detail: string;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}

export interface Board {
  totals: Record<string, number>;
  reasons: { action: string; detail: string; count: number }[];
  /** New passwords refused (self-service and helpdesk) by rule, most frequent first. */
  refusals: { rule: string; count: number }[];
  charts: { series: string; max: number; bars: Bar[] }[];
  coverage: { enrolled: number; users: number | null; percent: number | null };
  /** Enrolled accounts per factor (and per address for codes); null where not counted. */
  factors: { name: 'questions' | 'email' | 'mobile' | 'totp' | 'passkey' | 'recovery'; accounts: number }[];
  health: Health[];
  /** Password-expiry reminders: sent and failed in the period, what lies ahead. */
  reminders: ReminderFigures;
  /** The admin turned self-service logging off: routine self-service activity is not audited (nor counted here). */
  selfServiceAuditOff: boolean;
}

/** What the dashboard reads. */
export type DashboardContext = Pick<AdminContext, 'store' | 'directory' | 'policy' | 'mail' | 'mailer' | 'certificates' | 'now' | 'settings'>;

/** The period in days for a requested number: 30 for none or nonsense, else within 1..366. */
export function dashboardDays(requested: number): number {
  return Math.min(Math.max(requested || DEFAULT_DAYS, 1), MAX_DAYS);
}

/** Bars for one series over `days` days from `firstDay`, in a 600×120 box. */
function chart(perDay: Map<number, number>, firstDay: number, days: number): { max: number; bars: Bar[] } {
  const max = Math.max(1, ...perDay.values());
  const width = 600 / days;
  const bars = Array.from({ length: days }, (_, i) => {
    const count = perDay.get(firstDay + i) ?? 0;
    const height = Math.round((count / max) * 110);
    return {
      x: Math.round(i * width * 10) / 10,
      y: 120 - height,
      width: Math.max(1, Math.round((width - 1) * 10) / 10),
      height,
      label: `${new Date((firstDay + i) * DAY_MS).toISOString().slice(0, 10)}: ${count}`,
    };
  });
  return { max, bars };
}

async function check(name: string, probe: () => Promise<string>): Promise<Health> {
  try {
    return { name, state: 'ok', detail: await probe() };
  } catch (error) {
    return { name, state: 'fail', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The connections' and certificates' health, each in words. */
async function health(ctx: DashboardContext): Promise<Health[]> {
  const { smtp, sms } = ctx.policy;
  const mailer = ctx.mailer;
  const items: Health[] = [
    await check('directory', async () => `${(await ctx.directory.domain()).dnsDomain}: service account bound`),
    mailer
      ? await check('mail', async () => {
          await mailer.verify();
          return `${smtp?.host}:${smtp?.port} answers`;
        })
      : { name: 'mail', state: ctx.mail ? 'ok' : 'off', detail: ctx.mail ? 'captured (demo)' : 'not configured' },
    { name: 'sms', state: sms ? 'ok' : 'off', detail: sms ? `${sms.provider} configured` : 'not configured' },
  ];
  const certificates = await ctx.certificates();
  for (const status of certificates) {
    items.push({ name: `certificate ${status.name}`, state: status.state, detail: status.error ?? `${status.daysLeft} days left (${status.subject})` });
  }
  if (!certificates.some((status) => status.name === 'web')) {
    items.push({ name: 'web certificate', state: 'off', detail: 'TLS is terminated by a proxy in front of Latchkey' });
  }
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
  if (!enabled) return { name, state: 'off', detail: 'not enabled' };
  const [last] = await ctx.store.audit.query({ action: 'scheduled-backup' satisfies AuditAction, limit: 1 });
  if (!last) return { name, state: 'warn', detail: `none made yet (every ${everyHours} h to ${folder})` };
  const when = new Date(last.at).toISOString();
  if (last.outcome !== 'success') return { name, state: 'fail', detail: `the last one failed at ${when}: ${last.detail}` };
  if (ctx.now() - last.at > (everyHours + 1) * HOUR_MS)
    return { name, state: 'warn', detail: `the last one is older than the cycle of ${everyHours} h (${when}: ${last.detail})` };
  return { name, state: 'ok', detail: `last at ${when}: ${last.detail}` };
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
  };
  const charts = SERIES.map((series) => {
    const perDay = new Map<number, number>();
    for (const c of counts) if (c.action === series && c.outcome === 'success') perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.count);
    return { series, ...chart(perDay, firstDay, days) };
  });
  const reminders = await reminderFigures(ctx, range, total);
  const enrolled = await ctx.store.enrollments.count();
  const users = await ctx.directory.countUsers(ctx.policy.directory.searchBases).catch(() => null);
  return {
    totals,
    reasons: await ctx.store.auditStats.failureReasons(SERIES, range),
    refusals: await refusalsByRule(ctx, range),
    charts,
    coverage: { enrolled, users, percent: users ? Math.round((enrolled / users) * 1000) / 10 : null },
    factors: await factorCoverage(ctx),
    health: [...(await health(ctx)), reminderHealth(reminders, to)],
    reminders,
    selfServiceAuditOff: !ctx.policy.audit.selfService,
  };
}
