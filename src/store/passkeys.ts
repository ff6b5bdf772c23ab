/**
 * Passkeys: the WebAuthn credentials users registered, by credential id, with the public key,
 * the signature counter and what the authenticator said about backing up. Nothing secret: a
 * passkey's private key never leaves the authenticator.
 */
import type { Kysely, Selectable } from 'kysely';
import { deleted } from './rows.ts';
import type { PasskeysTable, Tables } from './schema.ts';

/** A passkey as the store keeps it. */
export interface Passkey {
  /** base64url, as browsers report it. */
  credentialId: string;
  userGuid: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at the last use (0: it keeps none). */
  counter: number;
  transports: string[];
  /** May be synced to the owner's other devices. */
  multiDevice: boolean;
  backedUp: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** The passkeys repository. */
export interface Passkeys {
  /** Stores a new passkey; false (nothing changed) when its credential id is registered already. */
  add(passkey: Omit<Passkey, 'lastUsedAt'>): Promise<boolean>;
  /** The passkey with this credential id, whoever owns it, or null. */
  get(credentialId: string): Promise<Passkey | null>;
  /** `userGuid`'s passkeys, oldest first. */
  list(userGuid: string): Promise<Passkey[]>;
  /** How many passkeys `userGuid` has. */
  count(userGuid: string): Promise<number>;
  /** How many accounts have at least one passkey (the dashboard's coverage). */
  accounts(): Promise<number>;
  /** Renames one of `userGuid`'s passkeys; false when it has none with this id. */
  rename(userGuid: string, credentialId: string, name: string): Promise<boolean>;
  /**
   * Records a use: the new counter, backup state and time, only if the counter is still
   * `expectedCounter` (compare and set), so two uses of one counter value cannot both pass.
   */
  recordUse(credentialId: string, use: { expectedCounter: number; counter: number; backedUp: boolean; now: number }): Promise<boolean>;
  /** Removes one of `userGuid`'s passkeys; false when it has none with this id. */
  remove(userGuid: string, credentialId: string): Promise<boolean>;
  /** Removes every passkey of `userGuid`; returns how many. */
  removeAll(userGuid: string): Promise<number>;
}

function fromRow(row: Selectable<PasskeysTable>): Passkey {
  return {
    credentialId: row.credential_id,
    userGuid: row.user_guid,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as string[],
    multiDevice: row.multi_device === 1,
    backedUp: row.backed_up === 1,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/** Passkeys over `db`. */
export function createPasskeys(db: Kysely<Tables>): Passkeys {
  return {
    async add(passkey) {
      const result = await db
        .insertInto('passkeys')
        .values({
          credential_id: passkey.credentialId,
          user_guid: passkey.userGuid,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports),
          multi_device: passkey.multiDevice ? 1 : 0,
          backed_up: passkey.backedUp ? 1 : 0,
          name: passkey.name,
          created_at: passkey.createdAt,
          last_used_at: null,
        })
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async get(credentialId) {
      const row = await db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async list(userGuid) {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_guid', '=', userGuid).orderBy('created_at').orderBy('credential_id').execute();
      return rows.map(fromRow);
    },

    async accounts() {
      const row = await db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.count<number>('user_guid').distinct().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async count(userGuid) {
      const row = await db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_guid', '=', userGuid)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async rename(userGuid, credentialId, name) {
      const result = await db
        .updateTable('passkeys')
        .set({ name })
        .where('user_guid', '=', userGuid)
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async recordUse(credentialId, { expectedCounter, counter, backedUp, now }) {
      const result = await db
        .updateTable('passkeys')
        .set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now })
        .where('credential_id', '=', credentialId)
        .where('counter', '=', expectedCounter)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(userGuid, credentialId) {
      return (await deleted(db.deleteFrom('passkeys').where('user_guid', '=', userGuid).where('credential_id', '=', credentialId))) > 0;
    },

    async removeAll(userGuid) {
      return deleted(db.deleteFrom('passkeys').where('user_guid', '=', userGuid));
    },
  };
}
