/**
 * Recording what happens, in Latchkey's words. Every state change and every refusal goes
 * through here: who (or "unknown"), what, outcome, source address, time. Never a password, an
 * answer or a code: callers pass facts, not inputs.
 */
import type { Factor } from '../config/factors-schema.ts';
import type { Audit, AuditCategory, AuditEvent } from '../store/audit.ts';

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
  'notice-sent',
  'invitation-sent',
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
  'notice-sent',
  'delivery-failed',
  'send-no-address',
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
  'expiry-reminder',
  'expiry-reminder-run',
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
  /** The actor's display name, when the actor is an account the directory named. */
  actorName?: string | null;
  /** The account acted on, when it is not the actor (helpdesk), with its display name when known. */
  target?: { sam: string; guid: string; name?: string | null } | null;
  /** A short explanation (an error code, "decoy: unknown name"); never a secret. */
  detail?: string;
  /** The verification factor the entry is about (also in `detail`), for the metrics' `factor` label. */
  factor?: Factor;
}

/** Who an entry is about: the account's name (null: a name that matched nobody), GUID and display name. */
export type AuditActor = Pick<AuditRecord, 'actor' | 'actorGuid' | 'actorName'>;

/** The actor of an entry about `account` as the directory read it: its name, GUID and display name. */
export function actorOf(account: { samAccountName: string; guid: string; displayName: string | null }): AuditActor {
  return { actor: account.samAccountName, actorGuid: account.guid, actorName: account.displayName };
}

export interface AuditRecorder {
  record(entry: AuditRecord): Promise<void>;
}

/** Views counted on one entry per (actor, action, outcome, source) while they repeat within REPEAT_WINDOW_MS. */
export const REPEATED_ACTIONS: ReadonlySet<AuditAction> = new Set(['profile-view', 'groups-view']);
/** How long after an entry's first view a repeat is counted on it rather than recorded anew. */
export const REPEAT_WINDOW_MS = 10 * 60_000;

/**
 * Refusals a flood repeats, counted on one entry per kind and subject in each window of
 * REFUSAL_WINDOW_MS: the subject is the account (for a name that found one) or else the source
 * address (an unknown name is not kept, so its refusals are told apart by address). The trail
 * still shows each kind of refusal, when its window began, from where first, and how many.
 */
export const COUNTED_REFUSALS: ReadonlySet<AuditAction> = new Set(['rate-limited', 'bot', 'reset-requested', 'unlock-requested']);
/** The windows refusals are counted in, fixed (aligned to the epoch), so every instance keys alike. */
export const REFUSAL_WINDOW_MS = 5 * 60_000;

/** The key of the entry a counted refusal belongs to: its kind, its subject and its window. */
function refusalKey(event: AuditEvent): string {
  const subject = event.actorGuid ? `account ${event.actorGuid}` : event.actor !== 'unknown' ? `name ${event.actor}` : `address ${event.sourceIp}`;
  const window = Math.floor(event.at / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS;
  return [event.category, event.action, event.outcome, event.detail ?? '', subject, window].join('|');
}

/**
 * Whether an entry of `category` that ended in `outcome` is recorded while `selfService`
 * logging is on or off. Off drops the self-service trail's successes (views, sign-ins, steps,
 * and the resets and changes themselves) but keeps its refusals and failures: wrong answers
 * and codes, lockouts, rate-limit and bot hits are how an attack shows, and an admin may
 * silence routine activity, not those. Helpdesk and admin entries are always recorded.
 */
export function isRecorded(category: AuditCategory, outcome: AuditOutcome, selfService: boolean): boolean {
  return selfService || category !== 'self-service' || outcome !== 'success';
}

/**
 * A recorder writing `category` events to the audit trail, stamped with `now()`. `selfService()`
 * reads the admin's switch at every entry, so turning it off applies at once.
 */
export function createAuditRecorder(audit: Audit, category: AuditCategory, now: () => number, selfService: () => boolean = () => true): AuditRecorder {
  return {
    async record(entry) {
      if (!isRecorded(category, entry.outcome, selfService())) return;
      const at = now();
      const event = {
        at,
        category,
        // The typed name is not kept when it matched nobody: the log must not list guesses.
        actor: entry.actor ?? 'unknown',
        actorGuid: entry.actorGuid ?? null,
        actorName: entry.actor === null ? null : (entry.actorName ?? null),
        target: entry.target?.sam ?? null,
        targetGuid: entry.target?.guid ?? null,
        targetName: entry.target?.name ?? null,
        action: entry.action,
        outcome: entry.outcome,
        sourceIp: entry.sourceIp,
        detail: entry.detail ?? null,
      };
      if (REPEATED_ACTIONS.has(entry.action) && entry.outcome === 'success') await audit.recordRepeat(event, at - REPEAT_WINDOW_MS);
      else if (COUNTED_REFUSALS.has(entry.action) && entry.outcome === 'refused') await audit.recordCounted(event, refusalKey(event));
      else await audit.record(event);
    },
  };
}
