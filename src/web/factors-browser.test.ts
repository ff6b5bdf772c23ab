/**
 * The verification factors end to end in a real browser (Debian's Chromium, headless, JavaScript
 * on) through the real modules, against the dev domain: a person sets up a factor at /me, forgets
 * the password and resets it with that factor alone. A passkey with Chrome's virtual
 * authenticator (and another account's passkey on the same authenticator refused), the
 * authenticator app with a code computed from the key shown on the page (and the same code
 * refused in a second reset), recovery codes read off the page (the owner mailed, the code
 * refused a second time). No page logs a console error or breaks the CSP. The portal's public URL
 * is http://localhost:<port>: WebAuthn needs a host name.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { addVirtualAuthenticator } from '../testing/chromium.ts';
import { adminClient, bindAs, createUser, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import type { TestPortal } from '../testing/portal.ts';

/** Each journey needs one factor: any of the three alone, or the questions and a code together. */
const FACTORS = {
  offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
  reset: [
    { need: 1, of: ['passkey'] },
    { need: 1, of: ['totp'] },
    { need: 1, of: ['recovery'] },
    { need: 2, of: ['questions', 'code'] },
  ],
  unlock: [{ need: 1, of: ['passkey', 'totp', 'recovery'] }],
};

let admin: Client;
let served: BrowserPortal;
let portal: TestPortal;
let browser: Browser;
let base: string;
const users: TestUser[] = [];

before(async () => {
  admin = await adminClient();
  // Every request comes from 127.0.0.1: the per-address limit must not be what a journey meets.
  served = await startBrowserPortal('localhost', { factors: FACTORS, protection: { perIp: { max: 1000 } } });
  ({ portal, browser, base } = served);
});

after(async () => {
  await served?.close();
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

/** A fresh browser context with one page whose console errors and uncaught errors are collected. */
async function openPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: true, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  return { context, page, problems };
}

async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.goto(`${base}/me`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** "I forgot my password": the name, then `factor` on the choice page. */
async function forgot(page: Page, user: TestUser, factor: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: /I forgot my password/ }).click();
  await page.getByLabel('Username').fill(user.sam);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('How do you want to prove who you are?').waitFor();
  await page.getByLabel(factor).check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** On the new-password page: sets a fresh password, which then binds in AD and the old one does not. */
async function setNewPassword(page: Page, user: TestUser): Promise<void> {
  await page.getByRole('heading', { name: 'Choose your new password' }).waitFor();
  const next = freshPassword();
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Type the new password again').fill(next);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('Your password has been changed').waitFor();
  assert.equal(await bindAs(user.dn, next), 'ok', 'the new password binds');
  assert.notEqual(await bindAs(user.dn, user.password), 'ok', 'the old one does not');
  user.password = next;
}

/** The self-service trail of `user` for `action`. */
const trail = async (user: TestUser, action: string) =>
  (await portal.app.store.audit.query({ category: 'self-service', action })).filter((entry) => entry.actor === user.sam);

test('a passkey added at /me resets the forgotten password; another account’s passkey on the same authenticator does not', async () => {
  const owner = await person();
  const other = await person();
  const { context, page, problems } = await openPage();
  const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page);
  const addPasskey = async (user: TestUser) => {
    await signIn(page, user);
    await page.getByRole('link', { name: 'Manage your passkeys' }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    await page.getByText(/Your passkey “.+” was added\./).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
  };

  await addPasskey(owner);
  await forgot(page, owner, 'Use a passkey');
  await page.getByText('A passkey needs JavaScript').waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Use my passkey' }).click();
  await setNewPassword(page, owner);
  assert.equal((await trail(owner, 'passkey-used')).length, 1);

  // The same authenticator now holds the other account's passkey only: the device the owner lost.
  const [ownerCredential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: ownerCredential!.credentialId });
  await addPasskey(other);
  assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
  await forgot(page, owner, 'Use a passkey');
  await page.getByRole('button', { name: 'Use my passkey' }).click();
  await page.getByText('The passkey could not be checked').first().waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Choose your new password' }).count(), 0);
  assert.deepEqual(
    (await trail(owner, 'factor-failed')).map((entry) => [entry.outcome, entry.detail]),
    [['refused', 'passkey']],
    'counted as a failed try at the passkey',
  );
  assert.match((await trail(owner, 'passkey-wrong'))[0]?.detail ?? '', /registered to another account/);
  assert.equal(await bindAs(owner.dn, owner.password), 'ok', 'the password stays');

  // The device refuses (the person is not verified): nothing is sent, and the page says so aloud.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await page.getByRole('button', { name: 'Use my passkey' }).click();
  const refused = page.locator('form[data-passkey] [data-passkey-error]');
  await refused.waitFor({ state: 'visible', timeout: 5000 });
  assert.equal(await refused.getAttribute('role'), 'alert', 'a screen reader hears it');
  assert.equal((await trail(owner, 'factor-failed')).length, 1, 'a prompt that failed in the browser is no try');

  assert.deepEqual(problems, [], 'no console errors (a CSP violation would show here)');
  await context.close();
});

/** The code an app with `secret` shows at `at`. */
const codeAt = (secret: string, at: number) => TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: at });

test('an authenticator app set up from the QR page resets the password; its code is refused in a second reset', async () => {
  const user = await person();
  const { context, page, problems } = await openPage();
  await signIn(page, user);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  assert.equal(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count(), 1);
  const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s+/g, '');
  const now = Date.now();
  await page.getByLabel('The 6-digit code the app shows now').fill(codeAt(secret, now));
  await page.getByRole('button', { name: 'Finish setting up' }).click();
  await page.getByText('Your authenticator app is set up').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The first code is spent by the binding: the reset takes the next step's (one step of skew is allowed).
  const code = codeAt(secret, now + 30_000);
  await forgot(page, user, 'Type a code from your authenticator app');
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await setNewPassword(page, user);

  await forgot(page, user, 'Type a code from your authenticator app');
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('That code is not correct, or was already used').first().waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Choose your new password' }).count(), 0);
  assert.deepEqual(
    (await trail(user, 'factor-failed')).map((entry) => entry.detail),
    ['totp: code already used'],
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('recovery codes read off the page reset the password once each; the owner is mailed how many are left', async () => {
  const user = await person();
  const { context, page, problems } = await openPage();
  await signIn(page, user);
  await page.getByRole('button', { name: 'Make recovery codes' }).click();
  const codes = (await page.locator('ol.recovery-codes code').allTextContents()).map((code) => code.trim());
  assert.equal(codes.length, 10);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as a text file' }).click()]);
  assert.equal(download.suggestedFilename(), 'recovery-codes.txt');
  const file = await download.createReadStream().then(async (stream) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  });
  for (const code of codes) assert.ok(file.includes(code), 'every code is in the file');
  await page.getByRole('button', { name: 'Download as a text file' }).click();
  await page.getByText(/only right after they are made/).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await forgot(page, user, 'Type one of your recovery codes');
  await page.getByLabel('Recovery code').fill(codes[3]!);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('You used a recovery code: 9 are left').waitFor();
  await setNewPassword(page, user);
  const notice = await portal.outbox.waitFor((message) => message.to.includes(user.upn) && /recovery code/i.test(message.subject), 5000);
  assert.match(notice.text, /You have 9 unused recovery codes left/);
  assert.ok(!notice.raw.includes(codes[3]!), 'the notice does not carry the code');

  await forgot(page, user, 'Type one of your recovery codes');
  await page.getByLabel('Recovery code').fill(codes[3]!);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('That recovery code is not right, or was used already').first().waitFor();
  assert.equal(await portal.app.store.recoveryCodes.left((await portal.app.directory.findUser(user.sam))!.guid), 9);
  assert.deepEqual(problems, []);
  await context.close();
});

test('after the journeys, /metrics counts each factor’s passes and failures', async () => {
  const metrics = await (await fetch(`http://127.0.0.1:${new URL(base).port}/metrics`)).text();
  const count = (action: string, outcome: string, factor: string) =>
    Number(
      new RegExp(`latchkey_events_total\\{category="self-service",action="${action}",outcome="${outcome}",factor="${factor}"\\} (\\d+)`).exec(metrics)?.[1] ??
        0,
    );
  for (const factor of ['passkey', 'totp', 'recovery']) {
    assert.equal(count('factor-passed', 'success', factor), 1, `${factor} passed once`);
    assert.equal(count('factor-failed', 'refused', factor), 1, `${factor} failed once`);
    assert.equal(count('factor-chosen', 'success', factor), 2, `${factor} chosen twice`);
  }
});
