/**
 * Authenticator apps: one TOTP secret per account, sealed by the caller under the master key
 * (the store never sees it readable), and the time steps already used. A step is recorded by an
 * insert that the table's key lets only one request win, so a code passes once across instances.
 */
import type { Kysely } from 'kysely';
import { deleted, purgeExpiredRows } from './rows.ts';
import type { Tables } from './schema.ts';

/** The name a TOTP secret is sealed under (the associated data): a ciphertext moved to another account does not open. */
export function totpSecretName(userGuid: string): string {
  return `totp:${userGuid}`;
}

/** An account's bound app. */
export interface TotpBinding {
  userGuid: string;
  /** The secret as sealed under the master key, named by totpSecretName. */
  sealedSecret: string;
  createdAt: number;
}

/** A time step just accepted for an account. */
export interface UsedStep {
  userGuid: string;
  step: number;
  /** When no verification window can reach the step any more. */
  expiresAt: number;
}

/** A sealed value outside the settings table, by the name it was sealed under: what a key rotation re-encrypts. */
export interface SealedValue {
  name: string;
  sealed: string;
}

/** The sealed values of a table, for a master-key rotation (inside its transaction). */
export interface SealedValues {
  all(): Promise<SealedValue[]>;
  /** Replaces the value sealed under `name`. */
  replace(name: string, sealed: string): Promise<void>;
}

/** The authenticator apps repository. */
export interface TotpSecrets {
  /** The account's app, or null when none is bound. */
  get(userGuid: string): Promise<TotpBinding | null>;
  /** Binds an app, replacing the account's previous one. */
  bind(input: { userGuid: string; sealedSecret: string; now: number }): Promise<void>;
  /** Removes the account's app; true when there was one. */
  remove(userGuid: string): Promise<boolean>;
  /** How many accounts have an app bound (the dashboard's coverage). */
  accounts(): Promise<number>;
  /** Records a step as used; false when it was used already (a replay), whichever instance used it. */
  useStep(step: UsedStep): Promise<boolean>;
  /** Removes the used steps no window reaches any more; returns how many. */
  purgeExpiredSteps(now: number): Promise<number>;
  /** The sealed secrets, for a master-key rotation. */
  readonly sealed: SealedValues;
}

/** Authenticator apps over `db`. */
export function createTotpSecrets(db: Kysely<Tables>): TotpSecrets {
  return {
    async accounts() {
      const row = await db
        .selectFrom('totp_secrets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async get(userGuid) {
      const row = await db.selectFrom('totp_secrets').selectAll().where('user_guid', '=', userGuid).executeTakeFirst();
      return row ? { userGuid: row.user_guid, sealedSecret: row.secret_sealed, createdAt: row.created_at } : null;
    },

    async bind({ userGuid, sealedSecret, now }) {
      await db
        .insertInto('totp_secrets')
        .values({ user_guid: userGuid, secret_sealed: sealedSecret, created_at: now })
        .onConflict((oc) =>
          oc.column('user_guid').doUpdateSet((eb) => ({ secret_sealed: eb.ref('excluded.secret_sealed'), created_at: eb.ref('excluded.created_at') })),
        )
        .execute();
    },

    async remove(userGuid) {
      return (await deleted(db.deleteFrom('totp_secrets').where('user_guid', '=', userGuid))) > 0;
    },

    async useStep({ userGuid, step, expiresAt }) {
      const inserted = await db
        .insertInto('totp_used_steps')
        .values({ user_guid: userGuid, step, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['user_guid', 'step']).doNothing())
        .returning('step')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    purgeExpiredSteps: (now) => purgeExpiredRows(db, 'totp_used_steps', now),

    sealed: {
      async all() {
        const rows = await db.selectFrom('totp_secrets').select(['user_guid', 'secret_sealed']).orderBy('user_guid').execute();
        return rows.map((row) => ({ name: totpSecretName(row.user_guid), sealed: row.secret_sealed }));
      },
      async replace(name, sealed) {
        const guid = name.slice(totpSecretName('').length);
        await db.updateTable('totp_secrets').set({ secret_sealed: sealed }).where('user_guid', '=', guid).execute();
      },
    },
  };
}
