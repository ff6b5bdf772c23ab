/**
 * Web sessions as JSON, with an expiry. Expired rows read as absent at once and are removed
 * later by purgeExpired, so a read never has to write.
 */
import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.ts';
import { purgeExpiredRows } from './rows.ts';
import type { Tables } from './schema.ts';

/** The sessions repository. */
export interface Sessions {
  /** Creates or replaces a session's data and expiry. */
  set(id: string, data: unknown, expiresAt: number): Promise<void>;
  /** The session's data, or null when it is absent or has expired. */
  get(id: string, now: number): Promise<unknown>;
  /** Ends a session. */
  destroy(id: string): Promise<void>;
  /** Removes expired sessions; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** Sessions over `db`. */
export function createSessions(db: Kysely<Tables>): Sessions {
  return {
    async set(id, data, expiresAt) {
      await db
        .insertInto('sessions')
        .values({ id, data: toJson(data, 'session data'), expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .execute();
    },

    async get(id, now) {
      const row = await db.selectFrom('sessions').select('data').where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
      return row ? fromJson(row.data, 'session data') : null;
    },

    async destroy(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },

    purgeExpired: (now) => purgeExpiredRows(db, 'sessions', now),
  };
}
