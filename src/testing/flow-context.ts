/**
 * Flows without HTTP, for the tests beside them: a FlowContext on a suite's store (see
 * databases.ts), the dev domain's directory as the service account, e-mail and text messages
 * captured in memory, and a clock the test moves. Throwaway users of the dev domain are removed
 * when the suite ends.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before } from 'node:test';
import type { Client } from 'ldapts';
import { createAuditRecorder } from '../audit/recorder.ts';
import { initialSettings } from '../config/initial-settings.ts';
import { configSchema, runtimeSchema } from '../config/schema.ts';
import type { ActiveDirectory } from '../directory/active-directory.ts';
import type { DirectoryUser, GroupIdentity } from '../directory/directory.ts';
import type { FlowContext, Requester } from '../flows/context.ts';
import { answerQuestion, checkCode, sendCode, startVerification } from '../flows/verification.ts';
import type { VerificationKind, VerificationState } from '../flows/verification-state.ts';
import { isLanguage, supportedLanguage } from '../i18n/languages.ts';
import { pageLanguage } from '../i18n/page-language.ts';
import { loadLanguages, translator } from '../i18n/translate.ts';
import { NO_SCREEN } from '../passwords/screen.ts';
import { hashAnswer } from '../security/answers.ts';
import { deriveKeys } from '../security/keys.ts';
import { keyRing, newMasterKey } from '../settings/key-ring.ts';
import { MasterKeys } from '../settings/master-key.ts';
import { pinGroups } from '../settings/pinned-groups.ts';
import { SettingsService } from '../settings/service.ts';
import type { Store } from '../store/store.ts';
import { adminClient, bindAs, createUser, devDirectory, devDomain, type OuKey, removeEntries, type TestUser } from './dev-domain.ts';
import { ANSWERS } from './journeys.ts';

type Settings = Record<string, unknown>;

/** One master key for every harness of the process: two harnesses on one database are two instances of one portal. */
const MASTER_KEYS = keyRing([newMasterKey()]);
const SERVER_SECRET = randomBytes(32);

/** A message the flows sent, as the captured sender got it. */
export interface SentMail {
  to: string[];
  subject: string;
  text: string;
}

export interface FlowHarness {
  ctx: FlowContext;
  /** Every e-mail sent, oldest first. */
  readonly mail: SentMail[];
  /** Every text message sent, oldest first. */
  readonly texts: { to: string; body: string }[];
  /** What the flows logged for an administrator. */
  readonly logs: { level: 'warn' | 'error'; message: string }[];
  /** Moves the flows' clock forward (codes, flows and lockouts expire by it). */
  advanceClock(ms: number): void;
}

function merge(base: Settings, extra: Settings): Settings {
  const out: Settings = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const existing = out[key];
    const nested = (v: unknown): v is Settings => !!v && typeof v === 'object' && !Array.isArray(v);
    out[key] = nested(value) && nested(existing) ? merge(existing, value) : value;
  }
  return out;
}

/**
 * A FlowContext on `store` against the dev domain; `settings` override the test defaults (the
 * config file's shape). Helpdesk, password-policy and stricter factor groups are pinned to their
 * SIDs as saving them would. Passwords are not screened (NO_SCREEN); a test puts its own screen in `ctx.screen`.
 */
export async function buildFlowHarness(store: Store, settings: Settings = {}): Promise<FlowHarness & { directory: ActiveDirectory }> {
  const facts = devDomain();
  const config = configSchema.parse(
    merge(
      {
        server: { publicUrl: 'https://passwords.latchkey.test' },
        directory: {
          urls: [facts.url],
          caFile: facts.caFile,
          bindDn: facts.serviceAccount.dn,
          bindPassword: facts.serviceAccount.password,
          searchBases: facts.delegatedOus,
        },
        admin: { group: facts.admins.group },
        // Tests do not wait for the uniform delay, nor between codes, unless they are about it.
        protection: { responseDelayMs: { min: 0, max: 0 } },
        codes: { resendCooldownSeconds: 0 },
      },
      settings,
    ),
  );
  const runtime = runtimeSchema.parse(initialSettings(config));
  const directory = devDirectory();
  const resolve = (reference: string) => directory.resolveGroup(reference);
  const pinned = await pinGroups(runtime.helpdesk.groups, [], resolve);
  assert.deepEqual(pinned.errors, [], 'every helpdesk group of the test names one group');
  const pinnedPolicies = await pinGroups(runtime.passwordPolicy.groups, [], resolve);
  assert.deepEqual(pinnedPolicies.errors, [], 'every password-policy group of the test names one group');
  const factors = runtime.factors && {
    ...runtime.factors,
    groups: (await pinGroups(runtime.factors.groups, [], (reference) => directory.resolveGroup(reference))).groups,
  };
  let offset = 0;
  const now = () => Date.now() + offset;
  const mail: SentMail[] = [];
  const texts: { to: string; body: string }[] = [];
  const logs: FlowHarness['logs'] = [];
  let adminGroup: Promise<GroupIdentity> | undefined;
  const { strings } = loadLanguages();
  const ctx: FlowContext = {
    directory,
    store,
    audit: createAuditRecorder(store.audit, 'self-service', now, () => ctx.policy.audit.selfService),
    helpdeskAudit: createAuditRecorder(store.audit, 'helpdesk', now),
    mail: { send: async (message) => void mail.push({ ...message, to: [...message.to] }) },
    sms: { send: async (message) => void texts.push({ ...message }) },
    keys: deriveKeys(SERVER_SECRET),
    secrets: new SettingsService(
      store.settings,
      new MasterKeys('the test key', null, MASTER_KEYS, 'test'),
      createAuditRecorder(store.audit, 'admin', now),
      now,
    ),
    policy: {
      ...runtime,
      helpdesk: { ...runtime.helpdesk, groups: pinned.groups },
      passwordPolicy: { ...runtime.passwordPolicy, groups: pinnedPolicies.groups },
      factors,
      server: config.server,
      ui: config.ui,
    },
    screen: NO_SCREEN,
    adminGroup: () => (adminGroup ??= directory.resolveGroup(config.admin.group)),
    t: (key, params) => ctx.texts(pageLanguage())(key, params),
    texts: (language) => translator(strings[isLanguage(language) ? language : supportedLanguage(config.ui.language)]),
    log: {
      warn: (_details, message) => void logs.push({ level: 'warn', message }),
      error: (_details, message) => void logs.push({ level: 'error', message }),
    },
    now,
  };
  const advanceClock = (ms: number) => {
    offset += ms;
  };
  return { ctx, directory, mail, texts, logs, advanceClock };
}

/** The hooks of a suite that drives the flows: its harness, built at first use, and throwaway users. */
export interface FlowFixture {
  /** The suite's harness (one per suite, shared by its tests). */
  harness(): Promise<FlowHarness>;
  /** The domain administrator, for fixtures and for checking what changed. */
  readonly admin: Client;
  /** A new user of the dev domain, deleted when the suite ends. */
  person(ou?: OuKey | `OU=${string}`, extra?: Record<string, string>): Promise<TestUser>;
  /** Removes the entry `dn` (a group, say) when the suite ends, with the users. */
  removeAfter(dn: string): void;
  /** `person` as the directory reads it. */
  account(user: TestUser): Promise<DirectoryUser>;
}

/**
 * Declares the hooks of a suite over `store` (e.g. `() => database.store()` of forEachDatabase):
 * call it inside the suite, reach `harness()` from tests. `settings` may be a function, read when
 * the harness is built (after the suite's before hooks), for settings naming fixtures.
 */
export function flowFixture(store: () => Promise<Store>, settings: Settings | (() => Settings) = {}): FlowFixture {
  let admin: Client | undefined;
  let built: Promise<FlowHarness & { directory: ActiveDirectory }> | undefined;
  const created: string[] = [];
  before(async () => {
    admin = await adminClient();
  });
  after(async () => {
    const harness = await built?.catch(() => undefined);
    await harness?.directory.close();
    if (admin) {
      await removeEntries(admin, created);
      await admin.unbind();
    }
  });
  const harness = () => (built ??= store().then((opened) => buildFlowHarness(opened, typeof settings === 'function' ? settings() : settings)));
  return {
    harness,
    get admin() {
      return admin!;
    },
    async person(ou = 'staff', extra = {}) {
      const user = await createUser(admin!, ou, extra);
      created.push(user.dn);
      return user;
    },
    removeAfter(dn) {
      created.push(dn);
    },
    async account(user) {
      const found = await (await harness()).ctx.directory.findUser(user.sam);
      assert.ok(found, `${user.sam} is found`);
      return found;
    },
  };
}

/** A source address of its own, so that per-address limits of other tests stay out of the way. */
export function someone(): Requester {
  return { ip: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}` };
}

/** Enrolls `user` straight into the store with the ANSWERS of journeys.ts (the enroll flow is tested on its own). */
export async function enrollInStore(ctx: FlowContext, user: DirectoryUser, contacts: { email?: string | null; mobile?: string | null } = {}): Promise<void> {
  await ctx.store.enrollments.save({
    userGuid: user.guid,
    username: user.samAccountName,
    email: contacts.email === undefined ? user.mail : contacts.email,
    mobile: contacts.mobile ?? null,
    answers: await Promise.all(Object.entries(ANSWERS).map(async ([question, answer]) => ({ question, answerHash: await hashAnswer(answer) }))),
    now: ctx.now(),
  });
}

/** The enrolled answer to the question the flow is at. */
export function rightAnswer(state: VerificationState): string {
  const answer = ANSWERS[state.questions[state.questionIndex]!.text];
  assert.ok(answer, 'an enrolled question');
  return answer;
}

/** The six-digit code in the newest e-mail to `address`. */
export function codeMailedTo(harness: Pick<FlowHarness, 'mail'>, address: string): string {
  const message = harness.mail.filter((sent) => sent.to.includes(address) && /verification code/i.test(sent.subject)).at(-1);
  assert.ok(message, `a code was mailed to ${address}`);
  return /code is (\d{6})/.exec(message.text)![1]!;
}

/** A reset or unlock for `user` (enrolled with an e-mail address) walked to the verified stage: right answers, then an e-mailed code. */
export async function verifiedFlow(
  harness: FlowHarness,
  kind: VerificationKind,
  user: DirectoryUser,
  requester: Requester = someone(),
): Promise<VerificationState> {
  const { ctx } = harness;
  const started = await startVerification(ctx, { kind, name: user.samAccountName }, requester);
  assert.ok(started.ok, 'the flow started');
  const { state } = started;
  assert.equal(state.decoy, null, 'a real flow');
  while (state.stage === 'question') assert.equal(await answerQuestion(ctx, state, rightAnswer(state), requester), 'next');
  assert.deepEqual(await sendCode(ctx, state, 'email', requester), { outcome: 'sent' });
  const address = (await ctx.store.enrollments.get(user.guid))?.email ?? user.mail;
  assert.ok(address, 'an address to mail the code to');
  assert.equal(await checkCode(ctx, state, codeMailedTo(harness, address), requester), 'accepted');
  assert.equal(state.stage, 'verified');
  return state;
}

/** Wrong binds up to the domain's threshold (5), outside Latchkey: AD then refuses even the right password. */
export async function lockInAd(user: TestUser): Promise<void> {
  for (let i = 0; i < 5; i++) assert.equal(await bindAs(user.dn, 'Wrong-password-1'), '52e');
  assert.equal(await bindAs(user.dn, user.password), '775', 'locked out in AD');
}

/** A new user of the dev domain enrolled in the suite's store, with its directory entry. */
export async function enrolledPerson(flows: FlowFixture, ou: OuKey = 'staff', extra: Record<string, string> = {}) {
  const harness = await flows.harness();
  const person = await flows.person(ou, extra);
  const user = await flows.account(person);
  await enrollInStore(harness.ctx, user);
  return { harness, ctx: harness.ctx, person, user };
}

/** The self-service entries of `sam` for `action`, newest first, as what matters: outcome and detail. */
export async function auditOf(ctx: FlowContext, sam: string, action: string) {
  return (await ctx.store.audit.query({ actor: sam, action })).map((entry) => ({ category: entry.category, outcome: entry.outcome, detail: entry.detail }));
}
