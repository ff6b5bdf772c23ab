/**
 * What the flows work with: the ports (directory, store, senders, audit), the policy, keys and
 * clock. Plain values and interfaces, so flows run the same behind the web, the CLI or a test.
 */
import type { AuditRecorder } from '../audit/recorder.ts';
import type { Directory, GroupIdentity } from '../directory/directory.ts';
import type { Translate } from '../i18n/translate.ts';
import type { Log } from '../log.ts';
import type { MailPort, SmsPort } from '../notify/ports.ts';
import type { PasswordScreen } from '../passwords/screen.ts';
import type { ServerKeys } from '../security/keys.ts';
import type { Policy } from '../settings/policy.ts';
import type { SecretSealer } from '../settings/sealer.ts';
import type { Store } from '../store/store.ts';

export interface FlowContext {
  directory: Directory;
  store: Pick<Store, 'enrollments' | 'codes' | 'throttle' | 'audit' | 'passkeys' | 'totp' | 'recoveryCodes' | 'preferences' | 'campaigns' | 'expiryReminders'>;
  /** The self-service trail (public pages and the signed-in area). */
  audit: AuditRecorder;
  /** The helpdesk trail: operator as actor, the account acted on as target. */
  helpdeskAudit: AuditRecorder;
  mail: MailPort | null;
  sms: SmsPort | null;
  keys: ServerKeys;
  /** Seals values under the master key (a user's TOTP secret); never shown again once sealed. */
  secrets: SecretSealer;
  policy: Policy;
  /** Screens new passwords against breached and common ones; answers the browser's range check. */
  screen: PasswordScreen;
  /** The admin group of the start-up configuration, pinned to its SID (src/settings/admin-group.ts). */
  adminGroup(): Promise<GroupIdentity>;
  /** The texts in the portal's default language. */
  t: Translate;
  /** The texts in `language` (a supported tag, e.g. `de`), or the default language when unknown or absent. */
  texts(language?: string): Translate;
  log: Log;
  now(): number;
}

/** Who is asking: only the source address (after trusted proxies), for limits and the audit. */
export interface Requester {
  ip: string;
  /** The language the page was shown in, for what the flow sends (a supported tag, e.g. `de`). */
  language?: string;
}
