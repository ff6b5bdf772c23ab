/**
 * The composition root: from the start-up configuration to a running portal. The database is
 * opened, the settings are loaded from it (imported from the config file at the first start)
 * and decrypted with the master key, and everything that talks to the outside is built from them.
 */
import type { FastifyInstance } from 'fastify';
import { type AuditRecorder, createAuditRecorder } from './audit/recorder.ts';
import { type CertificateCache, certificateCache, certificateStatuses } from './certificates/health.ts';
import { certificateFiles, readTlsOptions } from './certificates/serving.ts';
import { initialSettings } from './config/initial-settings.ts';
import { breachedIndexFile, databaseOptions, masterKeyFile } from './config/paths.ts';
import type { Config } from './config/schema.ts';
import type { GroupIdentity } from './directory/directory.ts';
import { GroupAmbiguous, GroupNotFound } from './directory/errors.ts';
import { type AdminContext, adminContext, type TrialConnections } from './flows/admin/context.ts';
import type { FlowContext } from './flows/context.ts';
import { noticesSettled } from './flows/credential-notices.ts';
import { scheduleCampaigns } from './flows/enrollment-campaign.ts';
import { type ReminderReport, type ReminderRunOptions, runExpiryReminders } from './flows/expiry-reminders.ts';
import { loadLanguages } from './i18n/translate.ts';
import { createJobs, type JobDependencies, type Jobs, scheduleJobs } from './jobs/jobs.ts';
import type { Log } from './log.ts';
import { counted, createMetrics, type Metrics } from './metrics/metrics.ts';
import { createMailer } from './notify/mailer.ts';
import type { MailPort, SmsPort } from './notify/ports.ts';
import { createSmsSender } from './notify/sms.ts';
import { type ClosablePasswordScreen, createPasswordScreen } from './passwords/screening.ts';
import { directoryFor, Runtime } from './runtime.ts';
import { deriveKeys } from './security/keys.ts';
import { pinnedAdminGroup } from './settings/admin-group.ts';
import { loadMasterKey } from './settings/master-key.ts';
import type { ResolveGroup } from './settings/pinned-groups.ts';
import { SettingsService } from './settings/service.ts';
import type { AuditCategory } from './store/audit.ts';
import { openStore, type Store } from './store/store.ts';
import type { Pressure } from './web/pressure.ts';
import type { Outbox } from './web/routes/demo.ts';
import { buildServer } from './web/server.ts';

/** How long certificate facts are reused between checks. */
const CERTIFICATE_CACHE_MS = 10 * 60_000;

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Fastify's logger option (pino options, or false in tests). */
  logger?: boolean | object;
  /** Replace the senders built from the settings (the demo captures instead of sending). */
  mail?: MailPort | null;
  sms?: SmsPort | null;
  /** Demo mode: the page /dev/outbox shows these. */
  outbox?: Outbox;
  /** The clock of the flows (tests move it to expire codes and lockouts). */
  now?: () => number;
  /** How often settings saved by other instances are looked for (default 5 s). */
  settingsPollMs?: number;
  /** When the public pages shed load (default: this process's event loop; tests force it). */
  pressure?: Pressure;
}

export interface App {
  server: FastifyInstance;
  store: Store;
  runtime: Runtime;
  ctx: FlowContext;
  /** What the admin console's flows work with (the FlowContext and more). */
  admin: AdminContext;
  /** The admin trail. */
  adminAudit: AuditRecorder;
  /** The live directory (rebuilt when its settings change). */
  readonly directory: Runtime['directory'];
  /** Scheduled work, callable directly (tests, the CLI). */
  jobs: Jobs;
  /** Runs the expiry reminders now (or dry), over a pooled mail connection of its own: `latchkey reminders`. */
  reminders(options?: Omit<ReminderRunOptions, 'mail'>): Promise<ReminderReport>;
  /** The web certificate files when Latchkey serves HTTPS itself; null for plain HTTP. */
  tls: ReturnType<typeof certificateFiles>;
  /** The web and DC certificates' facts, as /metrics and the dashboard see them. */
  certificates: CertificateCache;
  /** The master key's public fingerprint (the id its ciphertexts carry). */
  masterKeyId: string;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Connections made from settings as typed, not yet in force: the admin console's tests. */
const trialConnections: TrialConnections = {
  directory: (settings) => directoryFor(settings),
  mailer: (settings) => createMailer(settings),
  sms: (settings) => createSmsSender(settings),
};

/**
 * The flows' view of the running portal. The live parts (directory, senders, policy, wording) are
 * getters: they follow the runtime when settings change, on this instance or another.
 */
function flowContext(
  runtime: Runtime,
  parts: Pick<FlowContext, 'adminGroup' | 'store' | 'keys' | 'secrets' | 'log' | 'now' | 'screen'> & {
    recorder: (category: 'self-service' | 'helpdesk') => AuditRecorder;
  },
): FlowContext {
  return {
    get directory() {
      return runtime.directory;
    },
    get mail() {
      return runtime.mail;
    },
    get sms() {
      return runtime.sms;
    },
    get policy() {
      return runtime.policy;
    },
    t: runtime.t,
    texts: (language) => runtime.texts(language),
    adminGroup: parts.adminGroup,
    screen: parts.screen,
    store: parts.store,
    audit: parts.recorder('self-service'),
    helpdeskAudit: parts.recorder('helpdesk'),
    keys: parts.keys,
    secrets: parts.secrets,
    log: parts.log,
    now: parts.now,
  };
}

/** What the start found wrong without refusing to start: said once in the log, each with what follows from it. */
function reportStartUpProblems(log: FastifyInstance['log'], found: { unpinnedGroups: unknown; adminGroupPending: unknown; unknownOverrides: string[] }): void {
  if (Array.isArray(found.unpinnedGroups)) {
    for (const problem of found.unpinnedGroups as { field: string; code: string; params: object }[]) {
      log.error(
        { setting: problem.field, code: problem.code, ...problem.params },
        'a configured group names no group or several: a helpdesk or password-policy group applies to nobody, a stricter factor rule to everyone, until it is saved naming exactly one',
      );
    }
  } else {
    log.warn(
      { err: found.unpinnedGroups },
      'the configured groups could not be looked up in the directory: until saved again or the next start, helpdesk and password-policy groups not identified yet apply to nobody, stricter factor rules to everyone',
    );
  }
  if (found.adminGroupPending)
    log.warn({ err: found.adminGroupPending }, 'admin.group could not be looked up in the directory yet; the first admin sign-in tries again');
  if (found.unknownOverrides.length) log.warn({ keys: found.unknownOverrides }, 'the overrides name strings that do not exist');
}

/**
 * Looks the admin group up once at the start. A name that matches no group, or several, is a
 * configuration error: the start is refused. A directory that does not answer yet is not: the
 * problem is returned, and the first admin sign-in tries again.
 */
async function adminGroupAtStart(adminGroup: () => Promise<GroupIdentity>, runtime: Runtime): Promise<unknown> {
  return adminGroup().then(
    () => null,
    async (error: unknown) => {
      if (!GroupNotFound.is(error) && !GroupAmbiguous.is(error)) return error;
      await runtime.close();
      throw error;
    },
  );
}

/** The senders the options put in place of those built from the settings (the demo captures). */
function senderReplacements(options: AppOptions): { mail?: MailPort | null; sms?: SmsPort | null } {
  return { ...(options.mail !== undefined ? { mail: options.mail } : {}), ...(options.sms !== undefined ? { sms: options.sms } : {}) };
}

/** The demo's outbox and the tests' forced load, when the caller gives them. */
function serverReplacements(options: AppOptions): Pick<AppOptions, 'outbox' | 'pressure'> {
  return { ...(options.outbox ? { outbox: options.outbox } : {}), ...(options.pressure ? { pressure: options.pressure } : {}) };
}

/** Days left per certificate, for the metrics (those whose expiry is unknown are left out). */
async function certificateDaysLeft(certificates: CertificateCache): Promise<Record<string, number>> {
  return Object.fromEntries((await certificates.statuses()).flatMap((status) => (status.daysLeft === null ? [] : [[status.name, status.daysLeft]])));
}

/** Flows log through the server's logger once it exists. */
function laterLog(server: () => FastifyInstance | undefined): Log {
  return {
    warn: (details, message) => server()?.log.warn(details, message),
    error: (details, message) => server()?.log.error(details, message),
  };
}

/**
 * The settings kept in the database, decrypted with the master key (imported from the config
 * file at the first start), and the server keys derived from their secret. A key file is made
 * only for a database that holds no secret yet: a lost key is not replaced silently.
 */
async function openSettings(
  config: Config,
  store: Store,
  adminAudit: AuditRecorder,
  env: NodeJS.ProcessEnv | undefined,
  now: () => number,
  resolve: ResolveGroup,
) {
  const hasSecrets = (await store.settings.all()).some((row) => row.secret);
  const masterKeys = loadMasterKey(masterKeyFile(config), { env, create: !hasSecrets });
  const settings = new SettingsService(store.settings, masterKeys, adminAudit, now, resolve);
  await settings.load(initialSettings(config));
  masterKeys.upgradeFile();
  await settings.reportKeys();
  return { masterKeys, settings, keys: deriveKeys(await settings.serverSecret()) };
}

/** A server that cannot be built (a PFX with the wrong password, say) leaves no connection open. */
async function closingOnFailure(runtime: Runtime, build: () => Promise<FastifyInstance>): Promise<FastifyInstance> {
  try {
    return await build();
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** The admin console's context: the flows' one, plus the settings it edits, the admin trail and the certificates' health. */
function consoleContext(
  ctx: FlowContext,
  parts: { runtime: Runtime; store: Store; adminAudit: AuditRecorder; settings: SettingsService; certificates: CertificateCache },
): AdminContext {
  const { runtime } = parts;
  return adminContext(ctx, {
    store: parts.store,
    adminAudit: parts.adminAudit,
    settings: parts.settings,
    applySettings: () => runtime.apply(),
    get mailer() {
      return runtime.mailer;
    },
    trial: trialConnections,
    certificates: parts.certificates.statuses,
  });
}

/** The expiry reminders over a pooled mail connection opened for the run (the portal's sender when replaced). */
function reminderRunner(admin: AdminContext, runtime: Runtime) {
  return async (options: Omit<ReminderRunOptions, 'mail'> = {}): Promise<ReminderReport> => {
    const pooled = options.dryRun ? null : runtime.pooledMailer();
    try {
      return await runExpiryReminders(admin, { ...options, ...(pooled ? { mail: pooled } : {}) });
    } finally {
      pooled?.close();
    }
  };
}

/**
 * This instance's scheduled jobs, tried on their timer from now on, and the expiry reminders to
 * run by hand; the enrollment campaign is a flow (it needs the directory and the factor policy),
 * scheduled beside them. stop() also stops a reminder run under way.
 */
function startJobs(runtime: Runtime, admin: AdminContext, parts: Omit<JobDependencies, 'settings' | 'mail' | 'texts' | 'signal' | 'runReminders'>) {
  const shutdown = new AbortController();
  const reminders = reminderRunner(admin, runtime);
  const jobs = createJobs({
    ...parts,
    settings: () => runtime.settings.current(),
    mail: () => runtime.mail,
    texts: () => runtime.texts(),
    signal: shutdown.signal,
    runReminders: (signal) => reminders({ signal }),
  });
  const stops = [scheduleJobs(jobs, parts.log), scheduleCampaigns(admin, parts.log)];
  return {
    jobs,
    reminders,
    stop: () => {
      for (const stop of stops) stop();
      shutdown.abort();
    },
  };
}

/** The audit recorder of each trail, counted in the metrics; `selfService()` is the admin's switch of the self-service trail. */
function recorders(store: Store, now: () => number, metrics: Metrics, selfService: () => boolean) {
  return (category: AuditCategory) => counted(createAuditRecorder(store.audit, category, now, selfService), category, metrics);
}

/** Builds the portal for `config`; nothing listens until `server.listen()`. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const now = options.now ?? (() => Date.now());
  const store = await openStore(databaseOptions(config));
  let screen: ClosablePasswordScreen | undefined;
  try {
    const certificates = certificateCache(() => certificateStatuses(config, runtime.settings.current().directory.urls), CERTIFICATE_CACHE_MS, now);
    const metrics = createMetrics(() => certificateDaysLeft(certificates));
    const adminAudit = counted(createAuditRecorder(store.audit, 'admin', now), 'admin', metrics);
    const { masterKeys, settings, keys } = await openSettings(config, store, adminAudit, options.env, now, (reference) =>
      runtime.directory.resolveGroup(reference),
    );
    const tls = certificateFiles(config);
    const { strings, unknownOverrides } = loadLanguages(config.ui.overridesDir);

    let server: FastifyInstance | undefined;
    const log = laterLog(() => server);
    const runtime = new Runtime(settings, {
      server: config.server,
      ui: config.ui,
      strings,
      log,
      ...senderReplacements(options),
      onDirectoryOperation: (operation, seconds, ok) => metrics.directory.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds),
    });
    const adminGroup = pinnedAdminGroup({
      settings: store.settings,
      reference: config.admin.group,
      resolve: (reference) => runtime.directory.resolveGroup(reference),
      audit: adminAudit,
      now,
    });
    const adminGroupPending = await adminGroupAtStart(adminGroup, runtime);
    // Entries that cannot be pinned apply to nobody until the admin saves them naming one group.
    const unpinnedGroups = await settings.pinStoredGroups().catch((error: unknown) => error);
    runtime.apply();
    // Its settings are read at every check, so a change in the console applies at once.
    screen = createPasswordScreen({ settings: () => runtime.policy.breachedPasswords, indexFile: breachedIndexFile(config), log });
    const ctx = flowContext(runtime, {
      adminGroup,
      screen,
      store,
      keys,
      // The settings service seals as it seals the settings' own secrets: the active master key.
      secrets: settings,
      log,
      now,
      recorder: recorders(store, now, metrics, () => settings.current().audit.selfService),
    });
    const admin = consoleContext(ctx, { runtime, store, adminAudit, settings, certificates });
    server = await closingOnFailure(runtime, () =>
      buildServer({
        config,
        ctx,
        sessions: store.sessions,
        readiness: { database: () => store.ping(), directory: () => runtime.directory.domain() },
        keys,
        admin,
        metrics,
        ...(tls ? { https: readTlsOptions(tls, config.server.tlsProfile) } : {}),
        logger: options.logger ?? { level: config.log.level },
        ...serverReplacements(options),
      }),
    );
    reportStartUpProblems(server.log, { unpinnedGroups, adminGroupPending, unknownOverrides });
    runtime.startPolling(options.settingsPollMs);
    const { jobs, reminders, stop: stopJobs } = startJobs(runtime, admin, { store, adminAudit, certificates, now, config, env: options.env, log: server.log });
    return {
      server,
      store,
      runtime,
      ctx,
      admin,
      adminAudit,
      get directory() {
        return runtime.directory;
      },
      jobs,
      reminders,
      tls,
      certificates,
      get masterKeyId() {
        return masterKeys.ring.id;
      },
      metrics,
      async close() {
        stopJobs();
        await server!.close();
        await noticesSettled(); // notices under way are sent and audited before the store closes
        await runtime.close();
        screen!.close();
        await settings.withdrawKeys();
        await store.close();
      },
    };
  } catch (error) {
    screen?.close();
    await store.close();
    throw error;
  }
}
