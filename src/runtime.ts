/**
 * What the settings turn into while the service runs: the directory connection, the mail and
 * SMS senders, the policy and the wording. When the settings change (here or on another
 * instance) only the parts whose section changed are rebuilt; the flows always see the current ones.
 */

import { notificationTextsIn } from './config/notification-texts-schema.ts';
import type { Config, RuntimeSettings } from './config/schema.ts';
import { ActiveDirectory } from './directory/active-directory.ts';
import { isLanguage, LANGUAGES, type Language, supportedLanguage } from './i18n/languages.ts';
import { pageLanguage } from './i18n/page-language.ts';
import type { LanguageStrings, Translate } from './i18n/translate.ts';
import { translator } from './i18n/translate.ts';
import type { Log } from './log.ts';
import { createMailer, type Mailer } from './notify/mailer.ts';
import type { MailPort, SmsPort } from './notify/ports.ts';
import { createSmsSender } from './notify/sms.ts';
import type { Policy } from './settings/policy.ts';
import type { SettingsService } from './settings/service.ts';

/** How long a replaced directory connection stays open for operations already under way. */
const RETIRE_AFTER_MS = 30_000;
/** How often settings saved by another instance are looked for. */
export const SETTINGS_POLL_MS = 5_000;

export interface RuntimeOptions {
  server: Config['server'];
  ui: Config['ui'];
  /** The built-in and file-overridden strings of every language; the admin's notification texts go on top. */
  strings: LanguageStrings;
  /** Senders that replace the configured ones (the demo captures; tests may too). */
  mail?: MailPort | null;
  sms?: SmsPort | null;
  log: Log;
  /** Told how long each directory operation took (for the metrics). */
  onDirectoryOperation?: (operation: string, seconds: number, ok: boolean) => void;
}

export function directoryFor(settings: RuntimeSettings['directory'], onOperation?: RuntimeOptions['onDirectoryOperation']): ActiveDirectory {
  return new ActiveDirectory({
    ...(onOperation ? { onOperation } : {}),
    urls: settings.urls,
    startTls: settings.startTls,
    trust: { caFile: settings.caFile, caPem: settings.caPem, fingerprint: settings.fingerprint, serverName: settings.serverName },
    bindDn: settings.bindDn,
    bindPassword: settings.bindPassword,
    searchBases: settings.searchBases,
    timeoutMs: settings.timeoutMs,
  });
}

export class Runtime {
  directory!: ActiveDirectory;
  mail: MailPort | null = null;
  sms: SmsPort | null = null;
  policy!: Policy;
  /** The texts in the language of the page being answered (the default language outside a request). */
  readonly t: Translate = (key, params) => this.texts(pageLanguage())(key, params);
  /** The language pages and messages use when nothing says otherwise (`ui.language`). */
  readonly defaultLanguage: Language;
  private translators = new Map<Language, Translate>();
  /** The SMTP mailer built from the settings (null when e-mail is off or replaced). */
  mailer: Mailer | null = null;
  private applied = new Map<string, string>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    readonly settings: SettingsService,
    private readonly options: RuntimeOptions,
  ) {
    this.defaultLanguage = supportedLanguage(options.ui.language);
    this.apply();
  }

  /** The texts in `language`, or in the default language when it is unknown or absent. */
  texts(language?: string): Translate {
    return this.translators.get(isLanguage(language) ? language : this.defaultLanguage)!;
  }

  /** Brings the live objects in line with the current settings. */
  apply(): void {
    const current = this.settings.current();
    const changed = (section: string, value: unknown) => {
      const json = JSON.stringify(value ?? null);
      if (this.applied.get(section) === json) return false;
      this.applied.set(section, json);
      return true;
    };
    if (changed('directory', current.directory)) {
      const retired = this.directory;
      this.directory = directoryFor(current.directory, this.options.onDirectoryOperation);
      if (retired) setTimeout(() => void retired.close(), RETIRE_AFTER_MS).unref();
    }
    if (changed('smtp', current.smtp) && this.options.mail === undefined) {
      this.mailer?.close();
      this.mailer = current.smtp ? createMailer(current.smtp) : null;
      this.mail = this.mailer;
    }
    if (this.options.mail !== undefined) this.mail = this.options.mail;
    if (changed('sms', current.sms)) this.sms = this.options.sms !== undefined ? this.options.sms : current.sms ? createSmsSender(current.sms) : null;
    if (changed('notifications', current.notifications)) {
      const { texts } = current.notifications;
      for (const language of LANGUAGES)
        this.translators.set(language, translator({ ...this.options.strings[language], ...notificationTextsIn(texts, language, this.defaultLanguage) }));
    }
    this.policy = { ...current, server: this.options.server, ui: this.options.ui };
  }

  /**
   * A pooled mailer over the current SMTP settings for a run of many messages (the caller closes
   * it); null when e-mail is off or the senders are replaced (the demo's capture, tests).
   */
  pooledMailer(): Mailer | null {
    const { smtp } = this.settings.current();
    return this.options.mail === undefined && smtp ? createMailer(smtp, { pool: true }) : null;
  }

  /**
   * Every few seconds: looks for settings saved elsewhere, and for a changed key file (and
   * tells the other instances which keys this one holds). Each failure is logged on its own.
   */
  startPolling(intervalMs = SETTINGS_POLL_MS): void {
    this.poller = setInterval(() => {
      this.settings.refresh().then(
        (changed) => changed && this.apply(),
        (error: unknown) => this.options.log.error({ err: error }, 'could not reload the settings'),
      );
      this.settings.reportKeys().catch((error: unknown) => this.options.log.error({ err: error }, 'could not read the key file again or report its keys'));
    }, intervalMs);
    this.poller.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.poller);
    this.mailer?.close();
    await this.directory.close();
  }
}
