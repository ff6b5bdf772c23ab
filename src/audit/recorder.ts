/**
 * Recording what happens, in Latchkey's words. Every state change and every refusal goes
 * through here: who (or "unknown"), what, outcome, source address, time. Never a password, an
 * answer or a code: callers pass facts, not inputs.
 */
import type { Factor } from '../config/schema.ts';
import type { Audit, AuditCategory } from '../store/audit.ts';

/** The self-service actions; stable names that the audit viewer and exports show. */
export const SELF_SERVICE_ACTIONS = [
  'enroll',
  'reset-requested',
  'unlock-requested',
  'question-right',
  'question-wrong',
  'portal-lockout',
  'code-sent',
  'code-accepted',
  'code-expired',
  'code-wrong',
  'verification-locked',
  'rate-limited',
  'bot',
  'reset',
  'unlock',
  'change',
  'password-refused',
  'password-warning',
  'protected-refused',
  'delivery-failed',
  'send-capped',
  'send-no-address',
  'sign-in',
  'profile-view',
  'profile-edit',
  'groups-view',
  'passkey-registered',
  'passkey-renamed',
  'passkey-removed',
  'passkey-used',
  'passkey-wrong',
  'passkey-counter-regressed',
  'totp-bound',
  'totp-removed',
  'totp-used',
  'totp-wrong',
  'totp-replayed',
  'recovery-codes-generated',
  'recovery-code-used',
  'recovery-code-wrong',
  'recovery-codes-cleared',
  'factor-chosen',
  'factor-passed',
  'factor-failed',
] as const;

/** What helpdesk operators do; each entry names the operator (actor) and the account (target). */
export const HELPDESK_ACTIONS = [
  'sign-in',
  'search',
  'user-view',
  'caller-verification',
  'send-capped',
  'reset',
  'password-refused',
  'password-warning',
  'unlock',
  'must-change',
  'clear-enrollment',
  'clear-lockout',
  'passkeys-cleared',
  'totp-removed',
  'recovery-codes-cleared',
  'refused',
  'network-refused',
] as const;

/** What administrators do in the console, and what the service does on its own (purges). */
export const ADMIN_ACTIONS = [
  'sign-in',
  'settings-import',
  'settings-change',
  'settings-test',
  'group-resolved',
  'audit-export',
  'audit-purge',
  'key-rotation',
  'certificate-check',
  'network-refused',
  'scheduled-backup',
] as const;

export type AuditAction = (typeof SELF_SERVICE_ACTIONS)[number] | (typeof HELPDESK_ACTIONS)[number] | (typeof ADMIN_ACTIONS)[number];

/**
 * How it ended: done, refused by a rule, failed (an error somewhere), or unknown (a directory
 * write whose answer was lost and that the DC could not be asked about: it may have been made).
 */
export type AuditOutcome = 'success' | 'refused' | 'failure' | 'unknown';

export interface AuditRecord {
  /** The account's sAMAccountName, or null when the typed name resolved to no account. */
  actor: string | null;
  actorGuid?: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  sourceIp: string;
  /** The account acted on, when it is not the actor (helpdesk). */
  target?: { sam: string; guid: string } | null;
  /** A short explanation (an error code, "decoy: unknown name"); never a secret. */
  detail?: string;
  /** The verification factor the entry is about (also in `detail`), for the metrics' `factor` label. */
  factor?: Factor;
}

export interface AuditRecorder {
  record(entry: AuditRecord): Promise<void>;
}

/** A recorder writing `category` events to the audit trail, stamped with `now()`. */
export function createAuditRecorder(audit: Audit, category: AuditCategory, now: () => number): AuditRecorder {
  return {
    async record(entry) {
      await audit.record({
        at: now(),
        category,
        // The typed name is not kept when it matched nobody: the log must not list guesses.
        actor: entry.actor ?? 'unknown',
        actorGuid: entry.actorGuid ?? null,
        target: entry.target?.sam ?? null,
        targetGuid: entry.target?.guid ?? null,
        action: entry.action,
        outcome: entry.outcome,
        sourceIp: entry.sourceIp,
        detail: entry.detail ?? null,
      });
    },
  };
}
