/**
 * Window counters for rate limits and lockouts (fixed windows, or runs that a quiet window ends). A hit is one upsert, so concurrent
 * requests are all counted and none can slip through between a read and a write.
 */
import type { Kysely } from 'kysely';
import { purgeExpiredRows } from './rows.ts';
import type { Tables } from './schema.ts';

/** The throttle counters repository. */
export interface Throttle {
  /**
   * Counts a hit on `key` and returns the count in the current window, this hit included. With
   * `renew`, every hit moves the window's end to `now + windowMs`: the count then lasts until a
   * whole window has passed without a hit (a run of hits, not hits per window).
   */
  hit(key: string, windowMs: number, now: number, options?: { renew?: boolean }): Promise<number>;
  /** Takes one hit back from a window still running (never below 0): a counted attempt that turned out not to count. */
  release(key: string, now: number): Promise<void>;
  /** The count in the current window without counting; 0 when the window has passed. */
  peek(key: string, now: number): Promise<number>;
  /** Forgets the key's counter (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
  /** Removes counters whose window has passed; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** Throttle counters over `db`. */
export function createThrottle(db: Kysely<Tables>): Throttle {
  return {
    async hit(key, windowMs, now, options = {}) {
      const row = await db
        .insertInto('throttle_counters')
        .values({ key, window_started_at: now, count: 1, expires_at: now + windowMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => {
            // A passed window starts over with this hit, as if the row had been inserted now.
            const passed = eb('throttle_counters.expires_at', '<=', now);
            const restarted = (column: 'window_started_at' | 'expires_at') =>
              eb
                .case()
                .when(passed)
                .then(eb.ref(`excluded.${column}`))
                .else(eb.ref(`throttle_counters.${column}`))
                .end();
            return {
              window_started_at: restarted('window_started_at'),
              count: eb
                .case()
                .when(passed)
                .then(eb.ref('excluded.count'))
                .else(eb('throttle_counters.count', '+', 1))
                .end(),
              expires_at: options.renew ? eb.ref('excluded.expires_at') : restarted('expires_at'),
            };
          }),
        )
        .returning('count')
        .executeTakeFirstOrThrow();
      return row.count;
    },

    async release(key, now) {
      await db
        .updateTable('throttle_counters')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key', '=', key)
        .where('expires_at', '>', now)
        .where('count', '>', 0)
        .execute();
    },

    async peek(key, now) {
      const row = await db.selectFrom('throttle_counters').select('count').where('key', '=', key).where('expires_at', '>', now).executeTakeFirst();
      return row?.count ?? 0;
    },

    async reset(key) {
      await db.deleteFrom('throttle_counters').where('key', '=', key).execute();
    },

    purgeExpired: (now) => purgeExpiredRows(db, 'throttle_counters', now),
  };
}
