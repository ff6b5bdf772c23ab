/**
 * What the admin console's flows work with: everything of the FlowContext, plus the admin
 * trail, the settings they edit, the repositories of the dashboard and the audit viewer, and
 * connections made from settings as typed (to test them before saving). Built once by the
 * composition root; plain interfaces, so the flows run the same behind the web or in a test.
 */
import type { AuditRecorder } from '../../audit/recorder.ts';
import type { CertificateStatus } from '../../certificates/health.ts';
import type { RuntimeSettings } from '../../config/schema.ts';
import type { Directory } from '../../directory/directory.ts';
import type { SmsPort } from '../../notify/ports.ts';
import type { SettingsService } from '../../settings/service.ts';
import type { Store } from '../../store/store.ts';
import type { FlowContext } from '../context.ts';

/** A mail server connection that can be checked (connect, and sign in when a user is set). */
export interface CheckableMailer {
  verify(): Promise<void>;
}

/**
 * Connections made from settings that are not in force yet (the console's "test" buttons).
 * The caller closes what it opened.
 */
export interface TrialConnections {
  directory(settings: RuntimeSettings['directory']): Pick<Directory, 'domain' | 'close'>;
  mailer(settings: NonNullable<RuntimeSettings['smtp']>): CheckableMailer & { close(): void };
  sms(settings: NonNullable<RuntimeSettings['sms']>): SmsPort;
}

/** The settings as the console edits them (src/settings/service.ts). */
export type EditableSettings = Pick<SettingsService, 'current' | 'save' | 'withStoredSecrets'>;

export interface AdminContext extends FlowContext {
  store: FlowContext['store'] & Pick<Store, 'auditStats' | 'preferences'>;
  /** The administration trail: the admin as actor. */
  adminAudit: AuditRecorder;
  settings: EditableSettings;
  /** Brings the live connections and policy in line with the settings just saved. */
  applySettings(): void;
  /** The SMTP connection built from the settings; null when e-mail is off or replaced (the demo captures). */
  readonly mailer: CheckableMailer | null;
  trial: TrialConnections;
  /** The web and domain controller certificates' health (cached by the app). */
  certificates(): Promise<CertificateStatus[]>;
}

/** The parts an AdminContext adds to a FlowContext. */
export type AdminParts = Omit<AdminContext, keyof FlowContext> & Pick<AdminContext, 'store'>;

/**
 * `flow` with the admin parts added. The FlowContext's getters (the live directory, senders,
 * policy and wording) stay getters: a spread would copy what they return once.
 */
export function adminContext(flow: FlowContext, parts: AdminParts): AdminContext {
  const properties = { ...Object.getOwnPropertyDescriptors(flow), ...Object.getOwnPropertyDescriptors(parts) };
  return Object.defineProperties({}, properties) as AdminContext;
}
