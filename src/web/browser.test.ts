/**
 * A person in a real browser (Debian's Chromium, headless, driven by playwright-core): enroll,
 * then forget the password and reset it by clicking through the pages, reading the code from
 * the e-mail. The browser runs with JavaScript off, as the portal must work without it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import type { Browser } from 'playwright-core';
import { enrollInBrowser, resetInBrowser } from '../testing/browser-journey.ts';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, bindAs, createUser, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import type { TestPortal } from '../testing/portal.ts';

let admin: Client;
let served: BrowserPortal;
let portal: TestPortal;
let browser: Browser;
let base: string;
let user: TestUser;

before(async () => {
  admin = await adminClient();
  user = await createUser(admin);
  served = await startBrowserPortal('127.0.0.1');
  ({ portal, browser, base } = served);
});

after(async () => {
  await served?.close();
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
});

test('enroll, then reset a forgotten password by clicking through, without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));

  // Enroll: sign in, choose and answer three questions.
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: /Set up password self-service/ }).click();
  await page.getByLabel('Username').fill(user.sam);
  await enrollInBrowser(page, user);

  // Forget: from the menu, reset with questions and an e-mailed code.
  const next = await resetInBrowser(page, user, portal);

  assert.equal(await bindAs(user.dn, next), 'ok');
  assert.deepEqual(problems, [], 'no console errors (a CSP violation would show here)');
  await context.close();
});
