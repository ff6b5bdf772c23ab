/**
 * The verification factors attacked through HTTP, with the real checks (no stand-ins) and a
 * software authenticator in place of the browser's: the passkey options tell no name from
 * another; an app code replayed on a second instance sharing the PostgreSQL database is refused;
 * a passkey whose counter steps back or stands still is refused at /reset/passkey; a factor the
 * reset rule does not offer is refused even with a right code, which stays unused.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { Secret, TOTP } from 'otpauth';
import { masterKeyFile } from '../../config/paths.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../testing/databases.ts';
import { adminClient, createUser, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type SoftAuthenticator, softAuthenticator } from '../../testing/soft-authenticator.ts';
import { type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const ORIGIN = 'https://passwords.latchkey.test';
const FACTORS = {
  offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
  reset: [
    { need: 1, of: ['passkey'] },
    { need: 1, of: ['totp'] },
    { need: 1, of: ['recovery'] },
    { need: 2, of: ['questions', 'code'] },
  ],
  unlock: [{ need: 1, of: ['passkey', 'totp'] }],
};
const LIMITS = { protection: { perIp: { max: 1000 } } };

let admin: Client;
let scratch: ScratchDatabase;
/** Two instances on one PostgreSQL database, with one master key. */
let a: TestPortal;
let b: TestPortal;
const users: TestUser[] = [];

before(async () => {
  admin = await adminClient();
  scratch = await createScratchDatabase('postgres');
  const database = { url: scratch.options.databaseUrl };
  a = await startTestPortal({ ...LIMITS, factors: FACTORS, database });
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-portal-'));
  copyFileSync(masterKeyFile(a.config), join(dataDir, 'master.key'));
  b = await startTestPortal({ ...LIMITS, factors: FACTORS, database, dataDir });
});

after(async () => {
  await a?.close();
  await b?.close();
  await scratch?.drop();
  await removeEntries(
    admin,
    users.map((user) => user.dn),
  );
  await admin?.unbind();
});

async function person(): Promise<TestUser> {
  const user = await createUser(admin);
  users.push(user);
  return user;
}

let address = 0;
const client = (portal: TestPortal) => webClient(portal.app.server, { ip: `10.72.0.${++address}` });

async function signedIn(portal: TestPortal, user: TestUser): Promise<WebClient> {
  const browser = client(portal);
  await browser.get('/me');
  assert.match((await browser.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password })).body, /Your account/);
  return browser;
}

const codeAt = (secret: string, at: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: at });

/** Binds an authenticator app through /me at `now`; its secret as read off the page. */
async function withApp(portal: TestPortal, user: TestUser, now: number): Promise<string> {
  const browser = await signedIn(portal, user);
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec((await browser.post('/me/totp', {})).body)![1]!.replace(/ /g, '');
  assert.match((await browser.post('/me/totp/confirm', { code: codeAt(secret, now) })).body, /Your authenticator app is set up/);
  return secret;
}

/** Adds a passkey of a new software authenticator through /me/passkeys. */
async function withPasskey(portal: TestPortal, user: TestUser): Promise<SoftAuthenticator> {
  const browser = await signedIn(portal, user);
  await browser.get('/me/passkeys');
  const authenticator = softAuthenticator(ORIGIN);
  const options = optionsOf(await browser.post('/me/passkeys/new', {}));
  const added = await browser.post('/me/passkeys/add', { name: 'Laptop', response: JSON.stringify(authenticator.register(options as never)) });
  assert.match(added.body, /was added/);
  return authenticator;
}

/** The options a passkey page hands to the browser script (data-passkey-options). */
function optionsOf(page: Page): Record<string, unknown> & { challenge: string } {
  const attribute = /data-passkey-options="([^"]*)"/.exec(page.body);
  assert.ok(attribute, 'a page with passkey options');
  return JSON.parse(attribute[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}

/** A reset for `name` on `portal`, at the page of `factor`. */
async function resetWith(portal: TestPortal, name: string, factor: string): Promise<{ browser: WebClient; page: Page }> {
  const browser = client(portal);
  await browser.get('/reset');
  assert.match((await browser.submit('/reset', { username: name, domain: '' })).body, /How do you want to prove who you are/);
  return { browser, page: await browser.submit('/reset/choose', { factor }) };
}

const passwordPage = /Choose your new password/;
const trail = async (portal: TestPortal, user: TestUser, action: string) =>
  (await portal.app.store.audit.query({ category: 'self-service', action })).filter((entry) => entry.actor === user.sam);

test('the passkey options are the same for an unknown name, a name without passkeys and one with: only the challenge differs', async () => {
  const without = await person();
  const owner = await person();
  await withPasskey(a, owner);
  const pages = [
    (await resetWith(a, `nosuch-${Date.now()}`, 'passkey')).page,
    (await resetWith(a, without.sam, 'passkey')).page,
    (await resetWith(a, owner.sam, 'passkey')).page,
  ];
  const all = pages.map(optionsOf);
  const bare = (page: Page, options: { challenge: string }) => page.body.replace(options.challenge, 'CHALLENGE').replace(/name="_csrf" value="[^"]+"/g, 'CSRF');
  assert.equal(new Set(pages.map((page, i) => bare(page, all[i]!))).size, 1, 'the pages differ in nothing else');
  for (const options of all) {
    assert.deepEqual(Object.keys(options).sort(), ['challenge', 'rpId', 'timeout', 'userVerification']);
    assert.equal(options.userVerification, 'required');
    assert.equal(options.rpId, new URL(ORIGIN).hostname, 'the RP ID is server.publicUrl’s host');
    assert.equal(options.allowCredentials, undefined, 'no credential ids that would tell who has passkeys');
    const { challenge, ...rest } = options;
    const { challenge: _, ...first } = all[0]!;
    assert.deepEqual(rest, first);
  }
  assert.equal(new Set(all.map((options) => options.challenge)).size, 3, 'a fresh challenge each time');
});

test('an app code used on one instance is refused on the other, which shares the database', async () => {
  const user = await person();
  const now = Date.now();
  const secret = await withApp(a, user, now);
  // The binding spent the first code; the next step's passes (one step of skew is allowed).
  const code = codeAt(secret, now + 30_000);
  const onA = await resetWith(a, user.sam, 'totp');
  assert.match((await onA.browser.submit('/reset/totp', { code })).body, passwordPage);

  const onB = await resetWith(b, user.sam, 'totp');
  const replayed = await onB.browser.submit('/reset/totp', { code });
  assert.doesNotMatch(replayed.body, passwordPage);
  assert.match(replayed.body, /That code is not correct, or was already used/);
  assert.deepEqual(
    (await trail(b, user, 'factor-failed')).map((entry) => entry.detail),
    ['totp: code already used'],
  );
});

test('a passkey whose signature counter steps back or stands still is refused at /reset/passkey, and counted', async () => {
  const user = await person();
  const authenticator = await withPasskey(a, user);
  const first = await resetWith(a, user.sam, 'passkey');
  const used = await first.browser.submit('/reset/passkey', { response: JSON.stringify(authenticator.assert(optionsOf(first.page))) });
  assert.match(used.body, passwordPage);
  const seen = authenticator.counter;

  // A clone of the authenticator as it was before that use, then one that repeats the last count.
  const { browser, page } = await resetWith(a, user.sam, 'passkey');
  const back = await browser.submit('/reset/passkey', { response: JSON.stringify(authenticator.assert(optionsOf(page), { counter: seen - 1 })) });
  assert.match(back.body, /The passkey could not be checked/);
  const still = await browser.submit('/reset/passkey', { response: JSON.stringify(authenticator.assert(optionsOf(back), { counter: seen })) });
  assert.match(still.body, /The passkey could not be checked/);
  assert.equal((await trail(a, user, 'passkey-counter-regressed')).length, 2);
  assert.equal((await trail(a, user, 'factor-failed')).length, 2, 'each counts as a failed try');
  // The real authenticator, counting on, still passes: what was refused was the counter.
  const forward = await browser.submit('/reset/passkey', { response: JSON.stringify(authenticator.assert(optionsOf(still), { counter: seen + 1 })) });
  assert.match(forward.body, passwordPage);
});

test('a factor the reset rule does not offer is refused even with a right code, which stays unused', async () => {
  // The app proves an unlock here, never a reset: a reset takes a passkey.
  const portal = await startTestPortal({
    ...LIMITS,
    factors: { offered: ['passkey', 'totp'], reset: [{ need: 1, of: ['passkey'] }], unlock: [{ need: 1, of: ['totp'] }] },
  });
  try {
    const user = await person();
    const now = Date.now();
    const secret = await withApp(portal, user, now);
    const code = codeAt(secret, now + 30_000);
    const browser = client(portal);
    await browser.get('/reset');
    const page = await browser.submit('/reset', { username: user.sam, domain: '' });
    assert.match(page.body, /Use your passkey/, 'the one factor of the rule, without a choice');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    for (const [path, fields] of [
      ['/reset/choose', { factor: 'totp' }],
      ['/reset/totp', { code }],
    ] as const) {
      const refused = await browser.post(path, fields, { csrf });
      assert.equal(refused.status, 409, path);
      assert.match(refused.body, /steps were done out of order/, path);
    }
    assert.doesNotMatch((await browser.get('/reset/verify')).body, passwordPage);

    const unlock = client(portal);
    await unlock.get('/unlock');
    assert.match((await unlock.submit('/unlock', { username: user.sam, domain: '' })).body, /authenticator app/);
    assert.match((await unlock.submit('/unlock/totp', { code })).body, /You have proved who you are/, 'the code was not spent by the refused reset');
    assert.equal((await trail(portal, user, 'factor-passed')).length, 1);
  } finally {
    await portal.close();
  }
});
