/**
 * Enrollment campaigns' records: each invited account's count and times, claimed with a
 * compare-and-set so that two instances (or a restart mid-run) never send the same invitation
 * twice; and the daily history of enrollment coverage.
 */
import type { Kysely } from 'kysely';
import type { Tables } from './schema.ts';

export interface Invitation {
  userGuid: string;
  username: string;
  /** Invitations sent so far. */
  sent: number;
  firstAt: number;
  lastAt: number;
  /** When a run found the account enrolled after being invited; null until then. */
  enrolledAt: number | null;
}

export interface CoverageDay {
  /** Days since 1970-01-01, UTC. */
  day: number;
  /** User accounts in the search bases; null when the directory did not answer that day. */
  users: number | null;
  enrolled: number;
}

/** The campaigns' figures: accounts invited, invited more than once, and enrolled after an invitation. */
export interface CampaignFigures {
  invited: number;
  reminded: number;
  enrolled: number;
}

/** The campaigns repository. */
export interface Campaigns {
  /** The account's invitations, or null when it was never invited. */
  invitation(userGuid: string): Promise<Invitation | null>;
  /**
   * Claims the next invitation of an account whose record is `seen` (null: none yet) and is
   * true only for the one caller whose claim changed the record: the caller that gets true sends.
   */
  claim(seen: Invitation | null, account: { userGuid: string; username: string }, now: number): Promise<boolean>;
  /** Gives back a claim whose invitation could not be sent, so that a later run tries again. */
  release(claimed: { userGuid: string; sent: number; lastAt: number }, previous: Invitation | null): Promise<void>;
  /** Notes that an invited account is now enrolled (the first time only). */
  markEnrolled(userGuid: string, now: number): Promise<void>;
  figures(): Promise<CampaignFigures>;
  /** Records the day's coverage unless that day has one already; true when this call recorded it. */
  recordCoverage(day: CoverageDay, now: number): Promise<boolean>;
  /** The recorded days from `fromDay` to `toDay`, oldest first. */
  coverageHistory(fromDay: number, toDay: number): Promise<CoverageDay[]>;
}

/** The campaigns' records over `db`. */
export function createCampaigns(db: Kysely<Tables>): Campaigns {
  return {
    async invitation(userGuid) {
      const row = await db.selectFrom('campaign_invitations').selectAll().where('user_guid', '=', userGuid).executeTakeFirst();
      return row
        ? {
            userGuid: row.user_guid,
            username: row.username,
            sent: Number(row.sent),
            firstAt: Number(row.first_at),
            lastAt: Number(row.last_at),
            enrolledAt: row.enrolled_at === null ? null : Number(row.enrolled_at),
          }
        : null;
    },

    async claim(seen, account, now) {
      if (!seen) {
        const result = await db
          .insertInto('campaign_invitations')
          .values({ user_guid: account.userGuid, username: account.username, sent: 1, first_at: now, last_at: now, enrolled_at: null })
          .onConflict((oc) => oc.column('user_guid').doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
      }
      const result = await db
        .updateTable('campaign_invitations')
        .set({ sent: seen.sent + 1, last_at: now, username: account.username })
        .where('user_guid', '=', account.userGuid)
        .where('sent', '=', seen.sent)
        .where('last_at', '=', seen.lastAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async release(claimed, previous) {
      const mine = { user_guid: claimed.userGuid, sent: claimed.sent, last_at: claimed.lastAt };
      if (previous) {
        await db
          .updateTable('campaign_invitations')
          .set({ sent: previous.sent, last_at: previous.lastAt })
          .where('user_guid', '=', mine.user_guid)
          .where('sent', '=', mine.sent)
          .where('last_at', '=', mine.last_at)
          .execute();
      } else {
        await db
          .deleteFrom('campaign_invitations')
          .where('user_guid', '=', mine.user_guid)
          .where('sent', '=', mine.sent)
          .where('last_at', '=', mine.last_at)
          .execute();
      }
    },

    async markEnrolled(userGuid, now) {
      await db.updateTable('campaign_invitations').set({ enrolled_at: now }).where('user_guid', '=', userGuid).where('enrolled_at', 'is', null).execute();
    },

    async figures() {
      const row = await db
        .selectFrom('campaign_invitations')
        .select((eb) => [
          eb.fn.countAll<number>().as('invited'),
          eb.fn.count<number>(eb.case().when('sent', '>', 1).then(1).end()).as('reminded'),
          eb.fn.count<number>('enrolled_at').as('enrolled'),
        ])
        .executeTakeFirstOrThrow();
      return { invited: Number(row.invited), reminded: Number(row.reminded), enrolled: Number(row.enrolled) };
    },

    async recordCoverage(day, now) {
      const result = await db
        .insertInto('coverage_history')
        .values({ day: day.day, users: day.users, enrolled: day.enrolled, taken_at: now })
        .onConflict((oc) => oc.column('day').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    async coverageHistory(fromDay, toDay) {
      const rows = await db
        .selectFrom('coverage_history')
        .select(['day', 'users', 'enrolled'])
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .orderBy('day')
        .execute();
      return rows.map((row) => ({ day: Number(row.day), users: row.users === null ? null : Number(row.users), enrolled: Number(row.enrolled) }));
    },
  };
}
