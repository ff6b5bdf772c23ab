/**
 * A person in a real browser (Debian's Chromium, headless, driven by playwright-core): enroll,
 * then forget the password and reset it by clicking through the pages, reading the code from
 * the e-mail. The browser runs with JavaScript off, as the portal must work without it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../testing/chromium.ts';
import { adminClient, bindAs, createUser, devDomain, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { ANSWERS, codeSentTo } from '../testing/journeys.ts';
import { startTestPortal, type TestPortal } from '../testing/portal.ts';
import { freePort } from '../testing/ports.ts';

const facts = devDomain();
let admin: Client;
let portal: TestPortal;
let browser: Browser;
let base: string;
let user: TestUser;

before(async () => {
  admin = await adminClient();
  user = await createUser(admin);
  // As in demo mode: plain HTTP on loopback, at the public URL the browser's forms come from.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  portal = await startTestPortal({ server: { publicUrl: base } });
  await portal.app.server.listen({ host: '127.0.0.1', port });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await portal.close();
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
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  const questions = Object.keys(ANSWERS);
  for (const [i, question] of questions.entries()) {
    await page.locator(`#question${i}`).selectOption(question);
    await page.getByLabel(`Answer ${i + 1}`).fill(ANSWERS[question]!);
  }
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('You are set up').waitFor();

  // Forget: reset with questions and an e-mailed code.
  await page.getByRole('link', { name: 'Back to the start' }).click();
  await page.getByRole('link', { name: /I forgot my password/ }).click();
  await page.getByLabel('Username').fill(user.sam);
  await page.getByRole('button', { name: 'Continue' }).click();
  for (let i = 0; i < portal.config.verification.questionsToAsk; i++) {
    const question = (await page.locator('p.question').textContent())!.trim();
    await page.getByLabel('Your answer').fill(ANSWERS[question]!);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByLabel(/E-mail to/).check();
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByLabel('Code').fill(await codeSentTo(`${user.sam}@${facts.dnsDomain}`, portal.outbox));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Your new password must:').waitFor();
  const next = freshPassword();
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Type the new password again').fill(next);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('Your password has been changed').waitFor();

  assert.equal(await bindAs(user.dn, next), 'ok');
  assert.deepEqual(problems, [], 'no console errors (a CSP violation would show here)');
  await context.close();
});
