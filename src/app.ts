/**
 * The composition root: from the start-up configuration to a running portal. The database is
 * opened, the settings are loaded from it (imported from the config file at the first start)
 * and decrypted with the master key, and everything that talks to the outside is built from them.
 */
import type { FastifyInstance } from 'fastify';
import { type AuditRecorder, createAuditRecorder } from './audit/recorder.ts';
import { initialSettings } from './config/initial-settings.ts';
import { databaseOptions, masterKeyFile } from './config/paths.ts';
import type { Config } from './config/schema.ts';
import { type AdminContext, adminContext, type TrialConnections } from './flows/admin/context.ts';
import type { FlowContext } from './flows/context.ts';
import type { Log } from './log.ts';
import type { MailPort, SmsPort } from './notify/ports.ts';
import { type CertificateCache, certificateCache, certificateStatuses } from './certificates/health.ts';
import { createJobs, type Jobs, scheduleJobs } from './jobs/jobs.ts';
import { directoryFor, Runtime } from './runtime.ts';
import { createMailer } from './notify/mailer.ts';
import { createSmsSender } from './notify/sms.ts';
import { counted, createMetrics, type Metrics } from './metrics/metrics.ts';
import { certificateFiles, readTlsOptions } from './certificates/serving.ts';
import { deriveKeys } from './security/keys.ts';
import type { GroupIdentity } from './directory/directory.ts';
import { GroupAmbiguous, GroupNotFound } from './directory/errors.ts';
import { pinnedAdminGroup } from './settings/admin-group.ts';
import { loadMasterKey } from './settings/master-key.ts';
import { SettingsService } from './settings/service.ts';
import { openStore, type Store } from './store/store.ts';
import { loadStrings } from './i18n/translate.ts';
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

/** Builds the portal for `config`; nothing listens until `server.listen()`. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const now = options.now ?? (() => Date.now());
  const store = await openStore(databaseOptions(config));
  try {
    // A key file is made only for a database that holds no secret yet; a lost key is not replaced silently.
    const hasSecrets = (await store.settings.all()).some((row) => row.secret);
    const masterKeys = loadMasterKey(masterKeyFile(config), { env: options.env, create: !hasSecrets });
    const certificates = certificateCache(() => certificateStatuses(config, runtime.settings.current().directory.urls), CERTIFICATE_CACHE_MS, now);
    const metrics = createMetrics(async () =>
      Object.fromEntries((await certificates.statuses()).filter((status) => status.daysLeft !== null).map((status) => [status.name, status.daysLeft!])),
    );
    const adminAudit = counted(createAuditRecorder(store.audit, 'admin', now), 'admin', metrics.events);
    const settings = new SettingsService(store.db, masterKeys, adminAudit, now, (reference): Promise<GroupIdentity> => runtime.directory.resolveGroup(reference));
    await settings.load(initialSettings(config));
    masterKeys.upgradeFile();
    await settings.reportKeys();
    const keys = deriveKeys(await settings.serverSecret());
    const tls = certificateFiles(config);
    const { strings, unknownOverrides } = loadStrings(config.ui.language, config.ui.overridesDir);

    let server: FastifyInstance | undefined;
    // Flows log through the server's logger once it exists.
    const log: Log = {
      warn: (details, message) => server?.log.warn(details, message),
      error: (details, message) => server?.log.error(details, message),
    };
    const runtime = new Runtime(settings, {
      server: config.server,
      ui: config.ui,
      strings,
      log,
      ...(options.mail !== undefined ? { mail: options.mail } : {}),
      ...(options.sms !== undefined ? { sms: options.sms } : {}),
      onDirectoryOperation: (operation, seconds, ok) => metrics.directory.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds),
    });
    const adminGroup = pinnedAdminGroup({ settings: store.settings, reference: config.admin.group, resolve: (reference) => runtime.directory.resolveGroup(reference), audit: adminAudit, now });
    // A name that matches no group, or several, is a configuration error: refuse to start. A
    // directory that does not answer yet is not; the first admin sign-in tries again.
    const adminGroupPending = await adminGroup().then(
      () => null,
      async (error: unknown) => {
        if (!GroupNotFound.is(error) && !GroupAmbiguous.is(error)) return error;
        await runtime.close();
        throw error;
      },
    );
    // Entries that cannot be pinned grant nothing until the admin saves them naming one group.
    const unpinnedHelpdeskGroups = await settings.pinStoredHelpdeskGroups().catch((error: unknown) => error);
    runtime.apply();
    const ctx: FlowContext = {
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
      get t() {
        return runtime.t;
      },
      adminGroup,
      store,
      audit: counted(createAuditRecorder(store.audit, 'self-service', now), 'self-service', metrics.events),
      helpdeskAudit: counted(createAuditRecorder(store.audit, 'helpdesk', now), 'helpdesk', metrics.events),
      keys,
      log,
      now,
    };
    const admin = adminContext(ctx, {
      store,
      adminAudit,
      settings,
      applySettings: () => runtime.apply(),
      get mailer() {
        return runtime.mailer;
      },
      trial: trialConnections,
      certificates: certificates.statuses,
    });
    try {
      server = await buildServer({
        config,
        ctx,
        sessions: store.sessions,
        readiness: { database: () => store.ping(), directory: () => runtime.directory.domain() },
        keys,
        strings,
        admin,
        metrics,
        ...(tls ? { https: readTlsOptions(tls, config.server.tlsProfile) } : {}),
        logger: options.logger ?? { level: config.log.level },
        ...(options.outbox ? { outbox: options.outbox } : {}),
      });
    } catch (error) {
      // A server that cannot be built (a PFX with the wrong password, say) leaves no connection open.
      await runtime.close();
      throw error;
    }
    if (Array.isArray(unpinnedHelpdeskGroups)) {
      for (const problem of unpinnedHelpdeskGroups) server.log.error({ code: problem.code, ...problem.params }, 'a helpdesk group names no group or several: it grants nothing until it is saved naming exactly one');
    } else {
      server.log.warn({ err: unpinnedHelpdeskGroups }, 'the helpdesk groups could not be looked up in the directory: those not identified yet grant nothing until saved again or the next start');
    }
    if (adminGroupPending) server.log.warn({ err: adminGroupPending }, 'admin.group could not be looked up in the directory yet; the first admin sign-in tries again');
    if (unknownOverrides.length) server.log.warn({ keys: unknownOverrides }, 'the overrides name strings that do not exist');
    runtime.startPolling(options.settingsPollMs);
    const jobs = createJobs({ store, settings: () => runtime.settings.current(), adminAudit, certificates, mail: () => runtime.mail, now });
    const stopJobs = scheduleJobs(jobs, log);
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
      tls,
      certificates,
      get masterKeyId() {
        return masterKeys.ring.id;
      },
      metrics,
      async close() {
        stopJobs();
        await server!.close();
        await runtime.close();
        await settings.withdrawKeys();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
