/**
 * Small helpers the repositories share, so that removing and purging count rows the same way.
 */
import type { DeleteResult, Kysely } from 'kysely';
import type { Tables } from './schema.ts';

/** The tables whose rows carry an expires_at and can be purged by it. */
export type ExpiringTable = {
  [T in keyof Tables]: Tables[T] extends { expires_at: number } ? T : never;
}[keyof Tables];

/** Runs a DELETE and returns how many rows it removed (Kysely reports a bigint). */
export async function deleted(query: { executeTakeFirst(): Promise<DeleteResult> }): Promise<number> {
  return Number((await query.executeTakeFirst()).numDeletedRows);
}

/** Removes the rows of `table` whose expires_at has come (<= now); returns how many. */
export function purgeExpiredRows(db: Kysely<Tables>, table: ExpiringTable, now: number): Promise<number> {
  return deleted(db.deleteFrom(table).where('expires_at', '<=', now));
}
