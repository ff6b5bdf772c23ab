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
import type { Store } from '../store/store.ts';

export interface FlowContext {
  directory: Directory;
  store: Pick<Store, 'enrollments' | 'codes' | 'throttle' | 'audit'>;
  /** The self-service trail (public pages and the signed-in area). */
  audit: AuditRecorder;
  /** The helpdesk trail: operator as actor, the account acted on as target. */
  helpdeskAudit: AuditRecorder;
  mail: MailPort | null;
  sms: SmsPort | null;
  keys: ServerKeys;
  policy: Policy;
  /** Screens new passwords against breached and common ones. */
  screen: PasswordScreen;
  /** The admin group of the start-up configuration, pinned to its SID (src/settings/admin-group.ts). */
  adminGroup(): Promise<GroupIdentity>;
  t: Translate;
  log: Log;
  now(): number;
}

/** Who is asking: only the source address (after trusted proxies), for limits and the audit. */
export interface Requester {
  ip: string;
}
