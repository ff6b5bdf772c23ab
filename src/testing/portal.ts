/**
 * A whole portal for tests: the real app against the dev domain, a SQLite file in a temp
 * folder, e-mail to an in-process SMTP server and text messages to a local Twilio stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Client } from 'ldapts';
import { type App, type AppOptions, createApp } from '../app.ts';
import { devDirectorySettings } from '../cli/demo.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { type Outbox, startOutbox } from '../notify/outbox.ts';
import { adminClient, createUser, devDomain, type OuKey, removeEntries, type TestUser } from './dev-domain.ts';
import { startTwilioFake, type TwilioFake } from './twilio-fake.ts';

export interface TestPortal {
  app: App;
  /** Moves the flows' clock forward (codes and lockouts expire by it). */
  advanceClock(ms: number): void;
  /** Everything the server logged, one JSON object a line. */
  readonly logLines: string[];
  config: Config;
  outbox: Outbox;
  twilio: TwilioFake;
  dataDir: string;
  close(): Promise<void>;
}

type Settings = Record<string, unknown>;

function merge(base: Settings, extra: Settings): Settings {
  const out: Settings = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const existing = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object' && !Array.isArray(existing)
        ? merge(existing as Settings, value as Settings)
        : value;
  }
  return out;
}

/**
 * Starts a portal; `settings` override the test defaults (same shape as the config file). It
 * screens new passwords as installed: against `breachedIndexFile` (none by default, so only the
 * bundled common list; see importPasswordList in breached-lists.ts) and the online check when set.
 */
export async function startTestPortal(settings: Settings = {}, appOptions: Pick<AppOptions, 'pressure'> = {}): Promise<TestPortal> {
  const facts = devDomain();
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-portal-'));
  const outbox = await startOutbox();
  const twilio = await startTwilioFake();
  const config = loadConfig({
    env: {},
    base: merge(
      {
        dataDir,
        server: { publicUrl: 'https://passwords.latchkey.test' },
        directory: devDirectorySettings(facts),
        smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
        sms: { provider: 'twilio', accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15550000000', apiBase: twilio.apiBase },
        // Tests do not wait for the uniform delay unless they are about it.
        protection: { responseDelayMs: { min: 0, max: 0 } },
        codes: { resendCooldownSeconds: 0 },
      },
      settings,
    ),
  });
  let offset = 0;
  const logLines: string[] = [];
  const app = await createApp(config, {
    env: {},
    now: () => Date.now() + offset,
    logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    // Never busy unless a test says so: how loaded the machine running the tests is must not shed their requests.
    pressure: { busy: () => false, stop() {} },
    ...appOptions,
  }).catch(async (error: unknown) => {
    // A portal that refuses to start leaves nothing running behind it.
    await outbox.close();
    await twilio.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    app,
    advanceClock: (ms) => (offset += ms),
    logLines,
    config,
    outbox,
    twilio,
    dataDir,
    async close() {
      await app.close();
      await outbox.close();
      await twilio.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A portal and the domain administrator for a test file, with throwaway users removed after. */
export interface PortalFixture {
  readonly portal: TestPortal;
  readonly admin: Client;
  /** A new user of the dev domain, deleted when the file's tests end. */
  person(ou?: OuKey, extra?: Record<string, string>): Promise<TestUser>;
}

/** Declares the before/after hooks of a test file that drives one portal. */
export function portalFixture(settings: Settings = {}): PortalFixture {
  let portal: TestPortal | undefined;
  let admin: Client | undefined;
  const created: string[] = [];
  before(async () => {
    admin = await adminClient();
    portal = await startTestPortal(settings);
  });
  after(async () => {
    await portal?.close();
    if (admin) {
      await removeEntries(admin, created);
      await admin.unbind();
    }
  });
  return {
    get portal() {
      return portal!;
    },
    get admin() {
      return admin!;
    },
    async person(ou = 'staff', extra = {}) {
      const user = await createUser(admin!, ou, extra);
      created.push(user.dn);
      return user;
    },
  };
}
