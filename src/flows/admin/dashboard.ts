/**
 * The console's home: what happened in a period (numbers and server-drawn SVG charts), how many
 * users are enrolled, and whether the directory, mail and SMS connections and the DC
 * certificates are healthy.
 */
import type { CertificateStatus } from '../../certificates.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { Runtime } from '../../runtime.ts';
import type { Store } from '../../store/store.ts';

const DAY_MS = 86_400_000;
/** The series the charts draw: successful resets, unlocks, changes and enrollments per day. */
const SERIES = ['reset', 'unlock', 'change', 'enroll'] as const;

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
  charts: { series: string; max: number; bars: Bar[] }[];
  coverage: { enrolled: number; users: number | null; percent: number | null };
  health: Health[];
}

/** Bars for one series over `days` days ending today, in a 600×120 box. */
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
    return { name, state: 'fail', detail: (error as Error).message };
  }
}

export async function dashboard(ctx: FlowContext, store: Store, runtime: Runtime, certificates: () => Promise<CertificateStatus[]>, days: number): Promise<Board> {
  const to = ctx.now();
  const firstDay = Math.floor(to / DAY_MS) - days + 1;
  const range = { from: firstDay * DAY_MS, to };
  const counts = await store.auditStats.countsByDay(range);
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

  const settings = runtime.settings.current();
  const enrolled = await store.enrollments.count();
  const users = await runtime.directory.countUsers(settings.directory.searchBases).catch(() => null);
  const health: Health[] = [
    await check('directory', async () => {
      const info = await runtime.directory.domain();
      return `${info.dnsDomain}: service account bound`;
    }),
    runtime.mailer
      ? await check('mail', async () => {
          await runtime.mailer!.verify();
          return `${settings.smtp?.host}:${settings.smtp?.port} answers`;
        })
      : { name: 'mail', state: runtime.mail ? 'ok' : 'off', detail: runtime.mail ? 'captured (demo)' : 'not configured' },
    { name: 'sms', state: settings.sms ? 'ok' : 'off', detail: settings.sms ? `${settings.sms.provider} configured` : 'not configured' },
  ];
  for (const status of await certificates()) {
    health.push({
      name: `certificate ${status.name}`,
      state: status.state,
      detail: status.error ?? `${status.daysLeft} days left (${status.subject})`,
    });
  }
  if (!(await certificates()).some((status) => status.name === 'web')) {
    health.push({ name: 'web certificate', state: 'off', detail: 'TLS is terminated by a proxy in front of Latchkey' });
  }
  return {
    totals,
    reasons: await store.auditStats.failureReasons(['reset', 'unlock', 'change', 'enroll'], range),
    charts,
    coverage: { enrolled, users, percent: users ? Math.round((enrolled / users) * 1000) / 10 : null },
    health,
  };
}
