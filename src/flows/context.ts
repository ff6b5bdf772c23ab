/**
 * What the flows work with: the ports (directory, store, senders, audit), the policy, keys and
 * clock. Plain values and interfaces, so flows run the same behind the web, the CLI or a test.
 */
import type { AuditRecorder } from '../audit/recorder.ts';
import type { Config, RuntimeSettings } from '../config/schema.ts';
import type { Directory, GroupIdentity } from '../directory/directory.ts';
import type { ServerKeys } from '../security/keys.ts';
import type { Store } from '../store/store.ts';

/** Sends e-mail (src/notify/mailer.ts implements it over SMTP). */
export interface MailPort {
  send(message: { to: string[]; subject: string; text: string }): Promise<void>;
}

/** Sends text messages (src/notify/sms.ts implements it for Twilio and HTTP gateways). */
export interface SmsPort {
  send(message: { to: string; body: string }): Promise<void>;
}

/** User-facing text from the resource file (overridable by the admin). */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** Where problems that need an administrator are written (pino-compatible). */
export interface Log {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What the flows follow: the database-kept settings, and the public URL and wording from the start-up configuration. */
export type Policy = RuntimeSettings & Pick<Config, 'server' | 'ui'>;

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
