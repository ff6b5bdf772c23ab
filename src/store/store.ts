/**
 * The store: the database and every repository over it, opened and migrated in one call.
 */
import { type Kysely, sql } from 'kysely';
import { type Audit, createAudit } from './audit.ts';
import { type AuditStats, createAuditStats } from './audit-stats.ts';
import { type Campaigns, createCampaigns } from './campaigns.ts';
import { type Codes, createCodes } from './codes.ts';
import { type DatabaseOptions, openDatabase } from './database.ts';
import { createEnrollments, type Enrollments } from './enrollments.ts';
import { createExpiryReminders, type ExpiryReminders } from './expiry-reminders.ts';
import { createPasskeys, type Passkeys } from './passkeys.ts';
import { createPreferences, type Preferences } from './preferences.ts';
import { createRecoveryCodes, type RecoveryCodes } from './recovery-codes.ts';
import type { DatabaseDialect, Tables } from './schema.ts';
import { createSessions, type Sessions } from './sessions.ts';
import { createSettings, type SettingsRows } from './settings.ts';
import { createThrottle, type Throttle } from './throttle.ts';
import { createTotpSecrets, type TotpSecrets } from './totp.ts';

/** Everything Latchkey keeps, by repository. */
export interface Store {
  readonly dialect: DatabaseDialect;
  readonly enrollments: Enrollments;
  readonly codes: Codes;
  readonly throttle: Throttle;
  readonly audit: Audit;
  /** Counts over the audit trail (the dashboard's figures). */
  readonly auditStats: AuditStats;
  readonly settings: SettingsRows;
  /** Each person's own choices in the console; not settings. */
  readonly preferences: Preferences;
  readonly sessions: Sessions;
  /** Users' passkeys (WebAuthn credentials). */
  readonly passkeys: Passkeys;
  /** Authenticator apps (sealed TOTP secrets) and the time steps already used. */
  readonly totp: TotpSecrets;
  /** Recovery codes, as keyed hashes. */
  readonly recoveryCodes: RecoveryCodes;
  /** Enrollment campaigns' invitations and the daily history of enrollment coverage. */
  readonly campaigns: Campaigns;
  /** Password-expiry reminders claimed and sent, and the daily runs. */
  readonly expiryReminders: ExpiryReminders;
  /** Resolves once the database answers a query: for /readyz. */
  ping(): Promise<void>;
  /** The raw database, for the rare need no repository covers (backups, diagnostics). */
  readonly db: Kysely<Tables>;
  /** Closes the database; the process can exit afterwards. */
  close(): Promise<void>;
}

/** Opens and migrates the database (see openDatabase) and builds the repositories over it. */
export async function openStore(options: DatabaseOptions): Promise<Store> {
  const { db, dialect, close } = await openDatabase(options);
  return {
    dialect,
    enrollments: createEnrollments(db),
    codes: createCodes(db),
    throttle: createThrottle(db),
    audit: createAudit(db),
    auditStats: createAuditStats(db),
    settings: createSettings(db),
    preferences: createPreferences(db),
    sessions: createSessions(db),
    passkeys: createPasskeys(db),
    totp: createTotpSecrets(db),
    recoveryCodes: createRecoveryCodes(db),
    campaigns: createCampaigns(db),
    expiryReminders: createExpiryReminders(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    db,
    close,
  };
}
