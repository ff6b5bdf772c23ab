/**
 * The expiry reminders already under way or sent, one row per (account, password, lead day),
 * and the runs of the daily job. A reminder is claimed before it is sent: the claim is the one
 * place where two runs (two instances, or the CLI beside the service) could both decide to send
 * it, and the primary key lets only one win. A failed send releases its claim; a sent one is
 * marked sent. A claim left behind by a run that stopped mid-send stays: its message may have
 * gone, and a reminder must never reach anyone twice.
 */
import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.ts';
import { deleted } from './rows.ts';
import type { Tables } from './schema.ts';

/** What identifies one reminder: the account, its current password (pwdLastSet) and the lead day. */
export interface ReminderKey {
  accountGuid: string;
  passwordSet: string;
  leadDays: number;
}

/** What a run found and did; `upcoming[i]` counts the passwords expiring within i+1 days. */
export interface ReminderRunSummary {
  scanned: number;
  sent: number;
  failed: number;
  expired: number;
  upcoming: number[];
}

export interface ReminderRun extends ReminderRunSummary {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: 'running' | 'complete' | 'failed';
  detail: string | null;
}

/** The expiry-reminders repository. */
export interface ExpiryReminders {
  /** Claims the reminder for sending; false when it was claimed or sent before (by any run). */
  claim(key: ReminderKey, expiresAt: number, now: number): Promise<boolean>;
  /** Marks a claimed reminder sent. */
  markSent(key: ReminderKey, now: number): Promise<void>;
  /** Gives a claim back after a send that failed, so that a later run sends it. */
  release(key: ReminderKey): Promise<void>;
  /** Whether the reminder was claimed or sent already. */
  has(key: ReminderKey): Promise<boolean>;
  /** Reminders sent in [from, to). */
  sentBetween(from: number, to: number): Promise<number>;
  /** Claims made before `before` and never settled: their sender stopped while sending, so they may or may not have gone. */
  unsettled(before: number): Promise<number>;
  /** Forgets the reminders of passwords that expired before `before`; returns how many. */
  purgeExpiredBefore(before: number): Promise<number>;
  startRun(id: string, now: number): Promise<void>;
  finishRun(id: string, outcome: 'complete' | 'failed', summary: ReminderRunSummary, detail: string | null, now: number): Promise<void>;
  /** The newest run that ended complete and started in [from, to), or null. */
  completeBetween(from: number, to: number): Promise<ReminderRun | null>;
  /** The newest run that ended (complete or failed), or null. */
  lastFinished(): Promise<ReminderRun | null>;
}

const where = (key: ReminderKey) => ({ account_guid: key.accountGuid, password_set: key.passwordSet, lead_days: key.leadDays }) as const;

/** The expiry reminders over `db`. */
export function createExpiryReminders(db: Kysely<Tables>): ExpiryReminders {
  const runs = () => db.selectFrom('expiry_reminder_runs').selectAll().where('outcome', '!=', 'running').orderBy('started_at', 'desc').limit(1);
  const toRun = (row: Tables['expiry_reminder_runs'] | undefined): ReminderRun | null =>
    row
      ? {
          id: row.id,
          startedAt: Number(row.started_at),
          finishedAt: row.finished_at === null ? null : Number(row.finished_at),
          outcome: row.outcome,
          scanned: row.scanned,
          sent: row.sent,
          failed: row.failed,
          expired: row.expired,
          upcoming: fromJson(row.upcoming, 'upcoming expiries') as number[],
          detail: row.detail,
        }
      : null;
  return {
    async claim(key, expiresAt, now) {
      const result = await db
        .insertInto('expiry_reminders')
        .values({ ...where(key), state: 'claimed', claimed_at: now, sent_at: null, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['account_guid', 'password_set', 'lead_days']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async markSent(key, now) {
      await db
        .updateTable('expiry_reminders')
        .set({ state: 'sent', sent_at: now })
        .where((eb) => eb.and(where(key)))
        .execute();
    },
    async release(key) {
      await db
        .deleteFrom('expiry_reminders')
        .where('state', '=', 'claimed')
        .where((eb) => eb.and(where(key)))
        .execute();
    },
    async has(key) {
      return (
        (await db
          .selectFrom('expiry_reminders')
          .select('lead_days')
          .where((eb) => eb.and(where(key)))
          .executeTakeFirst()) !== undefined
      );
    },
    async sentBetween(from, to) {
      const row = await db
        .selectFrom('expiry_reminders')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('state', '=', 'sent')
        .where('sent_at', '>=', from)
        .where('sent_at', '<', to)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async unsettled(before) {
      const row = await db
        .selectFrom('expiry_reminders')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('state', '=', 'claimed')
        .where('claimed_at', '<', before)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async purgeExpiredBefore(before) {
      return deleted(db.deleteFrom('expiry_reminders').where('expires_at', '<', before));
    },
    async startRun(id, now) {
      await db
        .insertInto('expiry_reminder_runs')
        .values({ id, started_at: now, finished_at: null, outcome: 'running', scanned: 0, sent: 0, failed: 0, expired: 0, upcoming: '[]', detail: null })
        .execute();
    },
    async finishRun(id, outcome, summary, detail, now) {
      const { scanned, sent, failed, expired, upcoming } = summary;
      await db
        .updateTable('expiry_reminder_runs')
        .set({ scanned, sent, failed, expired, upcoming: toJson(upcoming, 'upcoming expiries'), outcome, detail, finished_at: now })
        .where('id', '=', id)
        .execute();
    },
    async completeBetween(from, to) {
      return toRun(await runs().where('outcome', '=', 'complete').where('started_at', '>=', from).where('started_at', '<', to).executeTakeFirst());
    },
    async lastFinished() {
      return toRun(await runs().executeTakeFirst());
    },
  };
}
