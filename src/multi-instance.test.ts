/**
 * Two Latchkey instances on one PostgreSQL behave as one portal: a flow started on A continues
 * on B and its code verifies there, limits (per name, per address) and the portal lockout count
 * across both, a setting saved on A reaches B within seconds, the jobs run once, and the master
 * key is rotated on A's host while both serve, by the README's procedure.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { type App, createApp } from './app.ts';
import { devDirectorySettings } from './cli/demo.ts';
import { retireMasterKey, rotateMasterKey } from './cli/rotate.ts';
import { loadConfig } from './config/load.ts';
import { masterKeyFile } from './config/paths.ts';
import type { Config } from './config/schema.ts';
import { type Outbox, startOutbox } from './notify/outbox.ts';
import { rejectsWithCode } from './testing/assertions.ts';
import { createScratchDatabase, type ScratchDatabase } from './testing/databases.ts';
import { adminClient, createUser, devDomain, removeEntries, type TestUser } from './testing/dev-domain.ts';
import { ANSWERS, answerAll, codeSentTo, enroll, questionOf } from './testing/journeys.ts';
import { type WebClient, webClient } from './testing/web-client.ts';

const facts = devDomain();
let scratch: ScratchDatabase;
let outbox: Outbox;
let admin: Client;
let a: App;
let b: App;
let configA: Config;
let configB: Config;
/** What both instances log (warnings and errors). */
const logs: string[] = [];
const logger = { level: 'warn', stream: { write: (line: string) => logs.push(line) } };
const dirs: string[] = [];
const users: string[] = [];

function configFor(databaseUrl: string): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-instance-'));
  dirs.push(dataDir);
  return loadConfig({
    env: {},
    base: {
      dataDir,
      database: { url: databaseUrl },
      server: { publicUrl: 'https://passwords.latchkey.test' },
      directory: devDirectorySettings(facts),
      smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
      protection: { responseDelayMs: { min: 0, max: 0 }, perUser: { max: 3 }, perIp: { max: 6 } },
      codes: { resendCooldownSeconds: 0 },
    },
  });
}

before(async () => {
  scratch = await createScratchDatabase('postgres');
  outbox = await startOutbox();
  admin = await adminClient();
  configA = configFor(scratch.options.databaseUrl!);
  a = await createApp(configA, { logger, env: {}, settingsPollMs: 200 });
  // B shares the database and the master key (its own copy of the key file), not the data folder.
  configB = configFor(scratch.options.databaseUrl!);
  copyFileSync(masterKeyFile(configA), masterKeyFile(configB));
  b = await startB();
});

after(async () => {
  await a?.close();
  await b?.close();
  await outbox?.close();
  await removeEntries(admin, users);
  await admin?.unbind();
  await scratch?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startB(): Promise<App> {
  return createApp(configB, { logger, env: {}, settingsPollMs: 200 });
}

async function person(): Promise<TestUser> {
  const user = await createUser(admin);
  users.push(user.dn);
  return user;
}

/** A client whose requests go to A or B as the test says, sharing one cookie jar. */
function balanced(): { to(app: App): WebClient } {
  const jar = new Map<string, string>();
  let last: WebClient | undefined;
  return {
    to(app) {
      const client = webClient(app.server);
      for (const [name, value] of jar) client.cookies.set(name, value);
      const sync = <T>(result: Promise<T>) =>
        result.then((value) => {
          jar.clear();
          for (const [name, cookie] of client.cookies) jar.set(name, cookie);
          last = client;
          return value;
        });
      const lastBody = () => last?.last?.body;
      return {
        ...client,
        get: (path) => sync(client.get(path)),
        post: (path, fields, options) => sync(client.post(path, fields, { csrf: /name="_csrf" value="([^"]+)"/.exec(lastBody() ?? '')?.[1], ...options })),
        submit: (path, fields, options) => sync(client.submit(path, fields, { csrf: /name="_csrf" value="([^"]+)"/.exec(lastBody() ?? '')?.[1], ...options })),
        get last() {
          return client.last;
        },
        cookies: client.cookies,
      };
    },
  };
}

test('a reset started on A continues on B, and the code sent by B is accepted by A', async () => {
  const user = await person();
  await enroll(webClient(a.server), user);
  const browser = balanced();
  await browser.to(a).get('/reset');
  const question = await browser.to(a).submit('/reset', { username: user.sam, domain: '' });
  const channels = await answerAll(browser.to(b), 'reset', question);
  assert.match(channels.body, /Where should we send/, 'B knows the flow A started');
  await browser.to(b).submit('/reset/send', { channel: 'email' });
  const code = await codeSentTo(`${user.sam}@${facts.dnsDomain}`, outbox);
  const verified = await browser.to(a).submit('/reset/code', { code });
  assert.match(verified.body, /Choose your new password/);
});

test('the per-name limit and the portal lockout count across both instances', async () => {
  const user = await person();
  const max = a.ctx.policy.protection.perUser.max;
  for (let i = 0; i < max; i++) {
    const client = webClient((i % 2 ? a : b).server, { ip: `10.5.0.${i + 1}` });
    await client.get('/me');
    assert.match((await client.submit('/me/sign-in', { username: user.sam, domain: '', password: 'Wrong-Password-1' })).body, /not correct/);
  }
  const next = webClient(b.server, { ip: '10.5.1.1' });
  await next.get('/me');
  const page = await next.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
  assert.match(page.body, /too many attempts/, `password try ${max + 1}, on B, was over the limit counted on A and B`);

  const other = await person();
  await enroll(webClient(b.server), other);
  const wrongMax = a.ctx.policy.protection.portalLockout.maxWrongAnswers;
  const browser = balanced();
  await browser.to(a).get('/reset');
  await browser.to(a).submit('/reset', { username: other.sam, domain: '' });
  let last = '';
  for (let i = 0; i < wrongMax; i++) last = (await browser.to(i % 2 ? a : b).submit('/reset/answer', { answer: 'wrong' })).body;
  assert.match(last, /self-service is paused for it/, 'wrong answers on A and on B added up to the lockout');
});

test('the per-address limit counts across both instances', async () => {
  const user = await person();
  await enroll(webClient(a.server, { ip: '10.6.9.9' }), user);
  const ip = '10.6.0.1';
  const max = a.ctx.policy.protection.perIp.max;
  for (let i = 0; i < max; i++) {
    const client = webClient(i % 2 ? a.server : b.server, { ip });
    await client.get('/reset');
    await client.submit('/reset', { username: `nobody-${i}`, domain: '' });
  }
  const over = webClient(b.server, { ip });
  await over.get('/reset');
  const page = await over.submit('/reset', { username: user.sam, domain: '' });
  assert.match(page.body, /too many attempts from your network/, `first step ${max + 1} from one address, on B, was over the limit counted on A and B`);
  const elsewhere = webClient(b.server, { ip: '10.6.0.2' });
  await elsewhere.get('/reset');
  const fresh = await elsewhere.submit('/reset', { username: user.sam, domain: '' });
  const passed = await elsewhere.submit('/reset/answer', { answer: ANSWERS[questionOf(fresh)]! });
  assert.doesNotMatch(passed.body, /That answer is not correct/, 'the same user from another address is not limited');
});

test('a setting saved on A is in force on B within seconds', async () => {
  const result = await a.runtime.settings.save(
    'codes',
    { ...a.runtime.settings.current().codes, lifetimeMinutes: 4 },
    { sam: 'tester', guid: '', ip: '127.0.0.1' },
  );
  assert.ok(result.ok);
  a.runtime.apply();
  const started = Date.now();
  while (b.ctx.policy.codes.lifetimeMinutes !== 4 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(b.ctx.policy.codes.lifetimeMinutes, 4);
});

test('the daily jobs run once, not once per instance', async () => {
  await a.store.audit.record({
    at: Date.now() - 1000 * 86_400_000,
    category: 'self-service',
    actor: 'ancient',
    action: 'reset',
    outcome: 'success',
    sourceIp: '10.0.0.1',
  });
  const [fromA, fromB] = await Promise.all([a.jobs.purgeAudit(), b.jobs.purgeAudit()]);
  assert.equal((fromA > 0 ? 1 : 0) + (fromB > 0 ? 1 : 0), 1, `one purge: ${fromA}, ${fromB}`);
  assert.equal((await a.store.audit.query({ action: 'audit-purge' })).length, 1);
  const [certA, certB] = await Promise.all([a.jobs.checkCertificates(), b.jobs.checkCertificates()]);
  assert.ok(Array.isArray(certA) && Array.isArray(certB));
});

test('expired sessions, codes, counters and used TOTP steps are purged hourly by one instance; live ones stay', async () => {
  const at = Date.now();
  const past = at - 60_000;
  await a.store.sessions.set('purge-expired', { step: 'x' }, past);
  await a.store.sessions.set('purge-live', { step: 'x' }, at + 600_000);
  await a.store.codes.issue({ flowId: 'purge-expired', userGuid: null, channel: 'email', codeHash: 'h', expiresAt: past, now: past - 1 });
  await a.store.codes.issue({ flowId: 'purge-live', userGuid: null, channel: 'email', codeHash: 'h', expiresAt: at + 600_000, now: at });
  await a.store.throttle.hit('purge-expired', 1000, past);
  await a.store.throttle.hit('purge-live', 600_000, at);
  await a.store.totp.useStep({ userGuid: 'purge', step: 1, expiresAt: past });
  await a.store.totp.useStep({ userGuid: 'purge', step: 2, expiresAt: at + 600_000 });
  const [fromA, fromB] = await Promise.all([a.jobs.purgeExpired(), b.jobs.purgeExpired()]);
  const ran = fromA ?? fromB;
  assert.ok((fromA === null) !== (fromB === null), 'exactly one instance ran the purge');
  assert.ok(ran && ran.sessions >= 1 && ran.codes >= 1 && ran.counters >= 1 && ran.totpSteps >= 1, JSON.stringify(ran));
  assert.equal(await b.store.totp.useStep({ userGuid: 'purge', step: 1, expiresAt: at }), true, 'the expired step is gone');
  assert.equal(await b.store.totp.useStep({ userGuid: 'purge', step: 2, expiresAt: at }), false, 'the live step stayed');
  assert.deepEqual(await b.store.sessions.get('purge-live', at), { step: 'x' });
  assert.equal(await b.store.codes.remove('purge-expired'), false, 'the expired code is gone');
  assert.equal(await b.store.codes.remove('purge-live'), true, 'the live code stayed');
  assert.equal(await b.store.throttle.peek('purge-live', at), 1);
  assert.equal(await a.jobs.purgeExpired(), null, 'not again within the hour');
});

/** Waits until `done()` holds, for at most `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!(await done()) && Date.now() - started < ms) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Signs in to `app`'s admin console and saves the codes section with `lifetimeMinutes`. */
async function saveCodeLifetimeInConsole(app: App, lifetimeMinutes: number) {
  const console = webClient(app.server);
  await console.get('/admin');
  assert.match((await console.submit('/admin/sign-in', { username: facts.admins.member, domain: '', password: facts.userPassword })).body, /Dashboard/);
  await console.get('/admin/settings/codes');
  const { codes } = app.runtime.settings.current();
  return console.submit('/admin/settings/codes', {
    'field:lifetimeMinutes': String(lifetimeMinutes),
    'field:maxFailures': String(codes.maxFailures),
    'field:resendCooldownSeconds': String(codes.resendCooldownSeconds),
  });
}

test('the master key is rotated on A while A and B serve: nothing is lost, no error, B restarts on either key file copy', async () => {
  const oldCopyOfB = `${masterKeyFile(configB)}.old`;
  copyFileSync(masterKeyFile(configB), oldCopyOfB);
  const staged = await rotateMasterKey(configA, {});

  // A setting and a secret saved on A after the rotation reach B, which still has only the old key.
  const saved = await saveCodeLifetimeInConsole(a, 7);
  assert.equal(saved.status, 200);
  assert.match(saved.body, /Saved: 1 settings changed/);
  const smtp = { ...a.runtime.settings.current().smtp!, password: 'smtp-after-rotation' };
  assert.ok((await a.runtime.settings.save('smtp', smtp, { sam: 'tester', guid: '', ip: '127.0.0.1' })).ok);
  await until(() => b.ctx.policy.codes.lifetimeMinutes === 7 && b.runtime.settings.current().smtp?.password === 'smtp-after-rotation');
  assert.equal(b.ctx.policy.codes.lifetimeMinutes, 7, 'applied on B within seconds');
  assert.equal(b.runtime.settings.current().smtp?.password, 'smtp-after-rotation', 'B decrypts what A sealed after the rotation');

  // Before --retire, B restarts on its old key file.
  await b.close();
  b = await startB();
  assert.equal(b.runtime.settings.current().smtp?.password, 'smtp-after-rotation');

  // --retire waits for B; once the new key file is copied there, B reads it and the rotation ends.
  await until(async () => (await a.store.settings.all()).some((row) => row.key.startsWith('key-holder:') && JSON.stringify(row.value).includes(staged.keyId)));
  await rejectsWithCode(retireMasterKey(configA, {}), 'LK_MASTER_KEY_NOT_EVERYWHERE');
  copyFileSync(masterKeyFile(configA), masterKeyFile(configB));
  await until(
    async () =>
      (await a.store.settings.all()).filter((row) => row.key.startsWith('key-holder:') && JSON.stringify(row.value).includes(staged.keyId)).length === 2,
  );
  const retired = await retireMasterKey(configA, {});
  assert.equal(retired.keyId, staged.keyId);
  assert.equal(retired.rotated, 3, 'the directory and SMTP passwords and the server secret');
  const again = await saveCodeLifetimeInConsole(a, 8);
  assert.match(again.body, /Saved: 1 settings changed/);
  await until(() => b.ctx.policy.codes.lifetimeMinutes === 8);
  assert.equal(b.ctx.policy.codes.lifetimeMinutes, 8, 'B follows after the retirement too');
  assert.ok(await b.directory.findUser(facts.users.staff[0]!), 'B binds with the re-encrypted service password');

  // After --retire, B restarts on the new copy; the old copy is refused, saying which key it lacks.
  await b.close();
  b = await startB();
  assert.equal(b.runtime.settings.current().smtp?.password, 'smtp-after-rotation');
  await b.close();
  copyFileSync(oldCopyOfB, masterKeyFile(configB));
  const refused = await rejectsWithCode(startB(), 'LK_MASTER_KEY_MISMATCH');
  assert.match(refused.message, new RegExp(`holds key ${staged.keyId}`));
  copyFileSync(masterKeyFile(configA), masterKeyFile(configB));
  b = await startB();
  assert.deepEqual(
    logs.filter((line) => /LK_MASTER_KEY|LK_SECRET/.test(line)),
    [],
    'no key error was logged',
  );
});
