/**
 * The shape of Latchkey's database as Kysely sees it. Timestamps are epoch milliseconds (BIGINT
 * columns, read back as numbers on both databases); secrets appear only as hashes or ciphertext.
 */
import type { Generated } from 'kysely';

/** The databases the store runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';

/** Who an audit event concerns: a user helping themselves, the helpdesk, or an administrator. */
export const AUDIT_CATEGORIES = ['self-service', 'helpdesk', 'admin'] as const;
/** One of AUDIT_CATEGORIES. */
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** A user's enrollment, keyed by the AD objectGUID because names can be renamed. */
export interface EnrollmentsTable {
  user_guid: string;
  username: string;
  email: string | null;
  mobile: string | null;
  enrolled_at: number;
  updated_at: number;
}

/** One security question of an enrollment, with the hash of its answer. */
export interface EnrollmentAnswersTable {
  user_guid: string;
  position: number;
  question: string;
  answer_hash: string;
}

/** The live verification code of one flow; user_guid is null for decoy flows of unknown users. */
export interface VerificationCodesTable {
  flow_id: string;
  user_guid: string | null;
  channel: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  failures: Generated<number>;
  consumed_at: number | null;
}

/** A fixed-window counter for rate limits and lockouts. */
export interface ThrottleCountersTable {
  key: string;
  window_started_at: number;
  count: number;
  expires_at: number;
}

/** One line of the audit trail. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  category: AuditCategory;
  actor: string;
  actor_guid: string | null;
  target: string | null;
  target_guid: string | null;
  action: string;
  outcome: string;
  source_ip: string | null;
  detail: string | null;
  actor_name: string | null;
  target_name: string | null;
  /** How many times it happened within the repeat window (1 for most entries). */
  times: Generated<number>;
  /** For refusals counted per window: their kind, subject and window; unique. Null for the rest. */
  repeat_key: string | null;
}

/** An admin setting as JSON; when secret is 1 the value holds ciphertext. */
export interface SettingsTable {
  key: string;
  value: string;
  secret: Generated<number>;
  updated_at: number;
  updated_by: string | null;
}

/** A web session's data as JSON. */
export interface SessionsTable {
  id: string;
  data: string;
  expires_at: number;
}

/** One person's choice for themselves (the audit table's columns) as JSON, by owner (objectGUID) and name. */
export interface PreferencesTable {
  owner: string;
  name: string;
  value: string;
  updated_at: number;
}

/** A user's passkey (WebAuthn credential): public data only; booleans as 0/1. */
export interface PasskeysTable {
  credential_id: string;
  user_guid: string;
  public_key: string;
  counter: number;
  transports: string;
  multi_device: number;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** An account's authenticator app: its TOTP secret sealed under the master key. */
export interface TotpSecretsTable {
  user_guid: string;
  secret_sealed: string;
  created_at: number;
}

/** A time step whose TOTP code was accepted once for the account; kept until no window reaches it. */
export interface TotpUsedStepsTable {
  user_guid: string;
  step: number;
  expires_at: number;
}

/** One recovery code of an account, as a keyed hash; used_at is set once, when it is redeemed. */
export interface RecoveryCodesTable {
  user_guid: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/** An account invited to enroll by the campaign: how many invitations, the first and the last. */
export interface CampaignInvitationsTable {
  user_guid: string;
  username: string;
  sent: number;
  first_at: number;
  last_at: number;
  enrolled_at: number | null;
}

/** Enrollment coverage as it was on one day (days since the epoch, UTC); users null when the directory did not answer. */
export interface CoverageHistoryTable {
  day: number;
  users: number | null;
  enrolled: number;
  taken_at: number;
}

/** One reminder of one password (see migrations/0006): claimed while sent, then sent. */
export interface ExpiryRemindersTable {
  account_guid: string;
  password_set: string;
  lead_days: number;
  state: 'claimed' | 'sent';
  claimed_at: number;
  sent_at: number | null;
  expires_at: number;
}

/** One run of the expiry reminders and what it found. */
export interface ExpiryReminderRunsTable {
  id: string;
  started_at: number;
  finished_at: number | null;
  outcome: 'running' | 'complete' | 'failed';
  scanned: number;
  sent: number;
  failed: number;
  expired: number;
  upcoming: string;
  detail: string | null;
}

/** Every table, for Kysely<Tables>. */
export interface Tables {
  enrollments: EnrollmentsTable;
  enrollment_answers: EnrollmentAnswersTable;
  verification_codes: VerificationCodesTable;
  throttle_counters: ThrottleCountersTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
  sessions: SessionsTable;
  preferences: PreferencesTable;
  passkeys: PasskeysTable;
  totp_secrets: TotpSecretsTable;
  totp_used_steps: TotpUsedStepsTable;
  recovery_codes: RecoveryCodesTable;
  campaign_invitations: CampaignInvitationsTable;
  coverage_history: CoverageHistoryTable;
  expiry_reminders: ExpiryRemindersTable;
  expiry_reminder_runs: ExpiryReminderRunsTable;
}
