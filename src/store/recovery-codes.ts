/**
 * Recovery codes: a set per account, kept only as keyed hashes (hashing happens before the
 * store). Redeeming is one conditional UPDATE, so two requests can never both use a code.
 */
import type { Kysely } from 'kysely';
import { deleted } from './rows.ts';
import type { Tables } from './schema.ts';

/** A code to redeem, as its hash. */
export interface UseRecoveryCode {
  userGuid: string;
  codeHash: string;
  now: number;
}

/** The recovery codes repository. */
export interface RecoveryCodes {
  /** Replaces the account's set (used codes included) with `codeHashes`, in one transaction. */
  replace(input: { userGuid: string; codeHashes: readonly string[]; now: number }): Promise<void>;
  /** Marks the code used if it is the account's and still unused; true only for the one call that did. */
  use(input: UseRecoveryCode): Promise<boolean>;
  /** How many of the account's codes are unused. */
  left(userGuid: string): Promise<number>;
  /** How many accounts have at least one unused code (the dashboard's coverage). */
  accounts(): Promise<number>;
  /** Removes the account's codes; returns how many there were. */
  remove(userGuid: string): Promise<number>;
}

/** Recovery codes over `db`. */
export function createRecoveryCodes(db: Kysely<Tables>): RecoveryCodes {
  return {
    async replace({ userGuid, codeHashes, now }) {
      // One transaction: the old set never lives on beside the new one, nor is the account left without either.
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_guid', '=', userGuid).execute();
        if (codeHashes.length)
          await trx
            .insertInto('recovery_codes')
            .values(codeHashes.map((codeHash) => ({ user_guid: userGuid, code_hash: codeHash, created_at: now, used_at: null })))
            .execute();
      });
    },

    async use({ userGuid, codeHash, now }) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_guid', '=', userGuid)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async accounts() {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.count<number>('user_guid').distinct().as('count'))
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async left(userGuid) {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('user_guid', '=', userGuid)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    remove: (userGuid) => deleted(db.deleteFrom('recovery_codes').where('user_guid', '=', userGuid)),
  };
}
