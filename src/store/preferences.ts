/**
 * What one person chose for themselves in the console (the audit table's hidden columns and
 * widths), as JSON per owner and name. Not settings: they change nothing for anyone else, are
 * not audited, and never hold a secret.
 */
import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.ts';
import { deleted } from './rows.ts';
import type { Tables } from './schema.ts';

/** The preferences repository. */
export interface Preferences {
  /** `owner`'s preference `name`, or null when none was saved. */
  get(owner: string, name: string): Promise<unknown>;
  /** Creates or replaces `owner`'s preference `name`; `value` must be representable as JSON. */
  set(owner: string, name: string, value: unknown, now: number): Promise<void>;
  /** Forgets `owner`'s preference `name`; true when there was one. */
  remove(owner: string, name: string): Promise<boolean>;
}

/** Preferences over `db`. */
export function createPreferences(db: Kysely<Tables>): Preferences {
  return {
    async get(owner, name) {
      const row = await db.selectFrom('preferences').select('value').where('owner', '=', owner).where('name', '=', name).executeTakeFirst();
      return row ? fromJson(row.value, `preference ${name}`) : null;
    },

    async set(owner, name, value, now) {
      await db
        .insertInto('preferences')
        .values({ owner, name, value: toJson(value, `preference ${name}`), updated_at: now })
        .onConflict((oc) => oc.columns(['owner', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    },

    async remove(owner, name) {
      return (await deleted(db.deleteFrom('preferences').where('owner', '=', owner).where('name', '=', name))) > 0;
    },
  };
}
