/**
 * The dashboard's password-expiry reminders: how many went and failed in the period (from the
 * audit trail), what the last run found ahead (passwords expiring in the next days, and those
 * already expired), claims whose run stopped mid-send, and whether the daily run is healthy.
 */

import type { Translate } from '../../i18n/translate.ts';
import { UPCOMING_DAYS } from '../expiry-reminders.ts';
import type { AdminContext } from './context.ts';
import { type Health, line } from './health-line.ts';

const HOUR_MS = 3_600_000;
/** A claim older than this was left by a run that stopped mid-send (runs send a claim within seconds). */
const UNSETTLED_AFTER_MS = HOUR_MS;
/** A daily run older than this (a day and the hour the jobs are tried in, and some) is overdue. */
const OVERDUE_MS = 26 * HOUR_MS;

export interface ReminderFigures {
  enabled: boolean;
  /** Reminders sent, and reminders that no channel took, in the period. */
  sent: number;
  failed: number;
  /** Reminders whose run stopped between claiming and recording them: they may have gone, and are not sent again. */
  unsettled: number;
  /** What the last run that ended found; null before the first. */
  lastRun: { at: number; outcome: 'complete' | 'failed'; detail: string | null; upcoming: number; upcomingByDay: number[]; expired: number } | null;
}

export type ReminderFiguresContext = Pick<AdminContext, 'store' | 'policy' | 'now'>;

/** The figures for the period `range`; `count(action, outcome)` counts its audit entries. */
export async function reminderFigures(
  ctx: ReminderFiguresContext,
  range: { from: number; to: number },
  count: (action: string, outcome: string) => number,
): Promise<ReminderFigures> {
  const last = await ctx.store.expiryReminders.lastFinished();
  return {
    enabled: ctx.policy.reminders.enabled,
    // Sent: what the store marked sent (a reminder by two channels is one); failed: the audit's refusals.
    sent: await ctx.store.expiryReminders.sentBetween(range.from, range.to + 1),
    failed: count('expiry-reminder', 'failure'),
    unsettled: await ctx.store.expiryReminders.unsettled(ctx.now() - UNSETTLED_AFTER_MS),
    lastRun: last && {
      at: last.startedAt,
      outcome: last.outcome === 'complete' ? 'complete' : 'failed',
      detail: last.detail,
      upcoming: last.upcoming.slice(0, UPCOMING_DAYS).reduce((sum, n) => sum + n, 0),
      upcomingByDay: last.upcoming,
      expired: last.expired,
    },
  };
}

/** The reminders' line in the dashboard's health list. */
export function reminderHealth(t: Translate, figures: ReminderFigures, now: number): Health {
  const reminders = (state: Health['state'], variant: string, params: Record<string, string | number> = {}) =>
    line({ t }, 'expiry reminders', 'expiryReminders', state, params, {}, variant);
  if (!figures.enabled) return reminders('off', 'off');
  const run = figures.lastRun;
  if (!run) return reminders('warn', 'none');
  const when = new Date(run.at).toISOString();
  if (run.outcome === 'failed') return reminders('fail', 'failed', { when, detail: run.detail ?? '' });
  if (now - run.at > OVERDUE_MS) return reminders('warn', 'late', { when });
  if (figures.unsettled) return reminders('warn', 'unsettled', { count: figures.unsettled });
  return reminders('ok', 'ok', { when });
}
