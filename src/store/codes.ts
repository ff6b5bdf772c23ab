/**
 * Verification codes, one live code per flow, kept only as hashes. Checking is a single
 * conditional UPDATE, so two requests can never both use a code and failures are never lost.
 */
import type { Kysely } from 'kysely';
import { deleted, purgeExpiredRows } from './rows.ts';
import type { Tables } from './schema.ts';

/** What checking a code found. Anything but 'accepted' is a refusal. */
export type CodeCheck = 'accepted' | 'wrong' | 'expired' | 'locked' | 'used' | 'unknown';

/** A code sent for a flow. */
export interface IssueCode {
  flowId: string;
  /** Null for a decoy flow started for an unknown user. */
  userGuid: string | null;
  channel: string;
  codeHash: string;
  expiresAt: number;
  now: number;
}

/** A code a user typed, as a hash. */
export interface CheckCode {
  flowId: string;
  codeHash: string;
  now: number;
  /** Wrong attempts allowed before the flow is locked. */
  maxFailures: number;
  /**
   * The code lifetime in force now: a code older than this has expired even when it was issued
   * under a longer one (an admin who shortens the lifetime shortens it for codes already sent).
   */
  maxAgeMs?: number;
}

/** The verification codes repository. */
export interface Codes {
  /**
   * Stores the flow's code. A re-sent code replaces the hash, channel and expiry and may be used
   * again, but keeps the failure count: asking for a new code must not buy more guesses.
   */
  issue(input: IssueCode): Promise<void>;
  /**
   * Checks a code atomically: 'accepted' consumes it (a replay gets 'used'), 'wrong' counts a
   * failure; the guess that reaches maxFailures, and every check after it, even with the right
   * code, gets 'locked'.
   */
  check(input: CheckCode): Promise<CodeCheck>;
  /** Forgets the flow's code; true when there was one. */
  remove(flowId: string): Promise<boolean>;
  /** Removes expired codes; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** How often check() re-reads after a concurrent re-send made the code live again. */
const CHECK_ATTEMPTS = 3;

/** Codes over `db`. */
export function createCodes(db: Kysely<Tables>): Codes {
  /** Consumes the code or counts a failure, but only while it is live; undefined when it is not. */
  async function attempt(input: CheckCode): Promise<'accepted' | 'wrong' | 'locked' | undefined> {
    const { flowId, codeHash, now, maxFailures, maxAgeMs } = input;
    const row = await db
      .updateTable('verification_codes')
      .set((eb) => ({
        consumed_at: eb.case().when('code_hash', '=', codeHash).then(now).else(eb.ref('consumed_at')).end(),
        failures: eb
          .case()
          .when('code_hash', '=', codeHash)
          .then(eb.ref('failures'))
          .else(eb('failures', '+', 1))
          .end(),
      }))
      .where('flow_id', '=', flowId)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .where('created_at', '>', maxAgeMs === undefined ? Number.MIN_SAFE_INTEGER : now - maxAgeMs)
      .where('failures', '<', maxFailures)
      .returning(['consumed_at', 'failures'])
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.consumed_at !== null) return 'accepted';
    // The guess that uses up the last try already ends the attempt: tell the user now.
    return row.failures >= maxFailures ? 'locked' : 'wrong';
  }

  /** Why a code that attempt() did not touch is refused; undefined when it is live (again). */
  async function refusal({ flowId, now, maxFailures, maxAgeMs }: CheckCode): Promise<CodeCheck | undefined> {
    const row = await db
      .selectFrom('verification_codes')
      .select(['failures', 'consumed_at', 'expires_at', 'created_at'])
      .where('flow_id', '=', flowId)
      .executeTakeFirst();
    if (!row) return 'unknown';
    if (row.consumed_at !== null) return 'used';
    if (row.failures >= maxFailures) return 'locked';
    if (row.expires_at <= now || (maxAgeMs !== undefined && row.created_at <= now - maxAgeMs)) return 'expired';
    return undefined;
  }

  return {
    async issue({ flowId, userGuid, channel, codeHash, expiresAt, now }) {
      await db
        .insertInto('verification_codes')
        .values({
          flow_id: flowId,
          user_guid: userGuid,
          channel,
          code_hash: codeHash,
          created_at: now,
          expires_at: expiresAt,
        })
        .onConflict((oc) =>
          // failures and user_guid stay: a flow belongs to one user, and its failures to the flow.
          // created_at moves: it says when the live code was sent (for a re-send cool-down).
          oc.column('flow_id').doUpdateSet((eb) => ({
            channel: eb.ref('excluded.channel'),
            code_hash: eb.ref('excluded.code_hash'),
            created_at: eb.ref('excluded.created_at'),
            expires_at: eb.ref('excluded.expires_at'),
            consumed_at: null,
          })),
        )
        .execute();
    },

    async check(input) {
      for (let i = 0; i < CHECK_ATTEMPTS; i++) {
        const outcome = (await attempt(input)) ?? (await refusal(input));
        if (outcome) return outcome;
        // The code was re-sent between the two statements: check against the new one.
      }
      // Re-sent again and again meanwhile: refuse rather than loop; the user has a newer code.
      return 'expired';
    },

    async remove(flowId) {
      return (await deleted(db.deleteFrom('verification_codes').where('flow_id', '=', flowId))) > 0;
    },

    purgeExpired: (now) => purgeExpiredRows(db, 'verification_codes', now),
  };
}
