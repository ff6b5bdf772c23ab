/**
 * The verification factors in a real browser with JavaScript off (Debian's Chromium, headless):
 * the choice page offers every factor of the policy; a passkey's page says it needs JavaScript
 * and leads back to the choice; the reset then completes with the authenticator app, set up at
 * /me without script too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, bindAs, createUser, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';

let admin: Client;
let served: BrowserPortal;
let browser: Browser;
let base: string;
let user: TestUser;

before(async () => {
  admin = await adminClient();
  user = await createUser(admin);
  served = await startBrowserPortal('localhost', {
    factors: {
      offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
      reset: [
        { need: 1, of: ['passkey'] },
        { need: 1, of: ['totp'] },
        { need: 1, of: ['recovery'] },
        { need: 2, of: ['questions', 'code'] },
      ],
      unlock: [{ need: 1, of: ['passkey', 'totp'] }],
    },
  });
  ({ browser, base } = served);
});

after(async () => {
  await served?.close();
  await removeEntries(admin, [user.dn]);
  await admin?.unbind();
});

test('without JavaScript: every factor is offered, a passkey says it needs script and leads back, and the app resets the password', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${base}/me`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = Secret.fromBase32((await page.locator('#totp-secret').textContent())!.replace(/\s+/g, ''));
  const codeAt = (at: number) => TOTP.generate({ secret, algorithm: 'SHA1', digits: 6, period: 30, timestamp: at });
  const now = Date.now();
  await page.getByLabel('The 6-digit code the app shows now').fill(codeAt(now));
  await page.getByRole('button', { name: 'Finish setting up' }).click();
  await page.getByText('Your authenticator app is set up').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await page.goto(`${base}/reset`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByRole('button', { name: 'Continue' }).click();
  const offered = await Promise.all((await page.getByRole('radio').all()).map((radio) => radio.getAttribute('value')));
  assert.deepEqual(offered, ['passkey', 'totp', 'recovery', 'questions', 'code'], 'every factor of the policy');

  await page.getByLabel('Use a passkey').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
  await page.getByText('A passkey needs JavaScript').waitFor({ state: 'visible' });
  assert.equal(await page.getByRole('button', { name: 'Use my passkey' }).isVisible(), false, 'no button that cannot work');
  assert.equal(await page.getByText('Press the button').isVisible(), false, 'nor words about one');
  await page.getByRole('button', { name: 'Prove who you are another way' }).click();

  await page.getByLabel('Type a code from your authenticator app').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Code').fill(codeAt(now + 30_000));
  await page.getByRole('button', { name: 'Continue' }).click();
  const next = freshPassword();
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Type the new password again').fill(next);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('Your password has been changed').waitFor();
  assert.equal(await bindAs(user.dn, next), 'ok');
  assert.notEqual(await bindAs(user.dn, user.password), 'ok');
  assert.deepEqual(problems, []);
  await context.close();
});
