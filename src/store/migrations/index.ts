/**
 * Every migration, imported statically so that the list is the same under tsx, after a tsc
 * build and in a bundle: nothing depends on scanning a folder at run time.
 */
import type { Kysely } from 'kysely';
import type { DatabaseDialect } from '../schema.ts';
import * as initial from './0001-initial.ts';
import * as preferences from './0002-preferences.ts';
import * as factors from './0003-factors.ts';
import * as passkeys from './0004-passkeys.ts';
import * as auditNames from './0005-audit-names.ts';
import * as expiryReminders from './0006-expiry-reminders.ts';
import * as campaigns from './0007-campaigns.ts';
import * as auditCountedRefusals from './0008-audit-counted-refusals.ts';

/** One schema change; `up` branches on the dialect only where the SQL must differ. */
export interface StoreMigration {
  // `any`: a migration sees the schema of its own time, not today's Tables.
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not today's types
  up(db: Kysely<any>, dialect: DatabaseDialect): Promise<void>;
}

/** Migrations by name. Names sort in the order they run and never change once released. */
export const MIGRATIONS: Readonly<Record<string, StoreMigration>> = {
  '0001-initial': initial,
  '0002-preferences': preferences,
  '0003-factors': factors,
  '0004-passkeys': passkeys,
  '0005-audit-names': auditNames,
  '0006-expiry-reminders': expiryReminders,
  '0007-campaigns': campaigns,
  '0008-audit-counted-refusals': auditCountedRefusals,
};
