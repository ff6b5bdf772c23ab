/**
 * Admin settings as JSON values. A secret setting's value is ciphertext made by the caller;
 * the store only remembers that it is secret, so that nobody renders it back.
 */
import type { Kysely, Selectable } from 'kysely';
import { fromJson, toJson } from './json.ts';
import { deleted } from './rows.ts';
import type { SettingsTable, Tables } from './schema.ts';
import { createTotpSecrets, type SealedValues } from './totp.ts';

/** A stored setting. */
export interface Setting {
  value: unknown;
  secret: boolean;
  updatedAt: number;
  updatedBy: string | null;
}

/** How a setting is written: when, by whom, and whether its value is ciphertext. */
export interface SetSetting {
  secret?: boolean;
  by?: string | null;
  now: number;
}

/** The settings repository. */
export interface Settings {
  /** The setting, or null when it was never set. */
  get(key: string): Promise<Setting | null>;
  /** Creates or replaces a setting; `value` must be representable as JSON. */
  set(key: string, value: unknown, options: SetSetting): Promise<void>;
  /** Every setting, by key. */
  all(): Promise<Array<Setting & { key: string }>>;
  /** Removes a setting; true when there was one. */
  remove(key: string): Promise<boolean>;
  /**
   * Inside a transaction: holds the setting's row until the transaction ends (a row lock on
   * PostgreSQL, the write lock on SQLite), so that transactions which lock it first run one
   * after the other and each sees what the one before committed. The row must exist.
   */
  lock(key: string): Promise<void>;
}

function toSetting(row: Selectable<SettingsTable>): Setting & { key: string } {
  return {
    key: row.key,
    value: fromJson(row.value, `setting ${row.key}`),
    secret: row.secret !== 0,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/**
 * The settings rows, and a way to read and change several of them as one (all or nothing). The
 * transaction also reaches the values sealed under the master key outside this table (the TOTP
 * secrets), so that a key rotation moves every one of them at once.
 */
export interface SettingsRows extends Settings {
  transaction<T>(work: (rows: Settings, sealedElsewhere: readonly SealedValues[]) => Promise<T>): Promise<T>;
}

/** Settings over `db`. */
export function createSettings(db: Kysely<Tables>): SettingsRows {
  return {
    transaction: (work) => db.transaction().execute((trx) => work(createSettings(trx), [createTotpSecrets(trx).sealed])),
    async get(key) {
      const row = await db.selectFrom('settings').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row) return null;
      const { key: _key, ...setting } = toSetting(row);
      return setting;
    },

    async set(key, value, { secret = false, by = null, now }) {
      const row = { key, value: toJson(value, `setting ${key}`), secret: secret ? 1 : 0, updated_at: now, updated_by: by };
      await db
        .insertInto('settings')
        .values(row)
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            secret: eb.ref('excluded.secret'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          })),
        )
        .execute();
    },

    async all() {
      const rows = await db.selectFrom('settings').selectAll().orderBy('key').execute();
      return rows.map(toSetting);
    },

    async remove(key) {
      return (await deleted(db.deleteFrom('settings').where('key', '=', key))) > 0;
    },

    async lock(key) {
      // A write that changes nothing: the one statement that takes a lock on both databases.
      await db
        .updateTable('settings')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where('key', '=', key)
        .execute();
    },
  };
}
