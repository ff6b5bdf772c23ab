/**
 * The composition root: from a validated configuration to a running portal. Everything that
 * talks to the outside (directory, database, mail, SMS) is built here and handed to the flows.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAuditRecorder } from './audit/recorder.ts';
import type { Config } from './config/schema.ts';
import { ActiveDirectory } from './directory/active-directory.ts';
import type { FlowContext, Log, MailPort, SmsPort } from './flows/context.ts';
import { createMailer } from './notify/mailer.ts';
import { createSmsSender } from './notify/sms.ts';
import { deriveKeys, loadServerSecret } from './security/keys.ts';
import { openStore, type Store } from './store/store.ts';
import { loadStrings, translator } from './web/i18n.ts';
import type { Outbox } from './web/routes/demo.ts';
import { buildServer } from './web/server.ts';

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Fastify's logger option (pino options, or false in tests). */
  logger?: boolean | object;
  /** Replace the senders built from the configuration (the demo captures instead of sending). */
  mail?: MailPort | null;
  sms?: SmsPort | null;
  /** Demo mode: the page /dev/outbox shows these. */
  outbox?: Outbox;
  /** The clock of the flows (tests move it to expire codes and lockouts). */
  now?: () => number;
}

export interface App {
  server: FastifyInstance;
  store: Store;
  directory: ActiveDirectory;
  ctx: FlowContext;
  close(): Promise<void>;
}

/** Builds the portal for `config`; nothing listens until `server.listen()`. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const keys = deriveKeys(loadServerSecret(join(config.dataDir, 'secret.key'), options.env));
  const store = await openStore({ databaseUrl: config.database.url, sqliteFile: join(config.dataDir, 'latchkey.sqlite') });
  const directory = new ActiveDirectory({
    urls: config.directory.urls,
    startTls: config.directory.startTls,
    trust: { caFile: config.directory.caFile, fingerprint: config.directory.fingerprint, serverName: config.directory.serverName },
    bindDn: config.directory.bindDn,
    bindPassword: config.directory.bindPassword,
    searchBases: config.directory.searchBases,
    timeoutMs: config.directory.timeoutMs,
  });
  const mailer = options.mail === undefined && config.smtp ? createMailer(config.smtp) : null;
  const sms = options.sms !== undefined ? options.sms : config.sms ? createSmsSender(config.sms) : null;
  const { strings, unknownOverrides } = loadStrings(config.ui.language, config.ui.overridesDir);

  let server: FastifyInstance | undefined;
  // Flows log through the server's logger once it exists.
  const log: Log = {
    warn: (details, message) => server?.log.warn(details, message),
    error: (details, message) => server?.log.error(details, message),
  };
  const now = options.now ?? (() => Date.now());
  const ctx: FlowContext = {
    directory,
    store,
    audit: createAuditRecorder(store.audit, 'self-service', now),
    helpdeskAudit: createAuditRecorder(store.audit, 'helpdesk', now),
    mail: options.mail !== undefined ? options.mail : mailer,
    sms,
    keys,
    policy: config,
    t: translator(strings),
    log,
    now,
  };
  server = await buildServer({
    config,
    ctx,
    store,
    keys,
    strings,
    logger: options.logger ?? { level: config.log.level },
    ...(options.outbox ? { outbox: options.outbox } : {}),
  });
  if (unknownOverrides.length) server.log.warn({ keys: unknownOverrides }, 'the overrides name strings that do not exist');
  return {
    server,
    store,
    directory,
    ctx,
    async close() {
      await server!.close();
      mailer?.close();
      await directory.close();
      await store.close();
    },
  };
}
