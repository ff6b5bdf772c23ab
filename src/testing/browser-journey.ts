/**
 * The steps of the classic journey as a person clicks them in a real browser (JavaScript on or
 * off): enroll with three questions, then reset a forgotten password with the questions and an
 * e-mailed code. Shared by the browser tests that walk it in different settings (plain, kiosk).
 */
import type { Page } from 'playwright-core';
import { devDomain, freshPassword, type TestUser } from './dev-domain.ts';
import { ANSWERS, codeSentTo, storedQuestion } from './journeys.ts';
import type { TestPortal } from './portal.ts';

/** On the enrollment sign-in with the name typed: signs in, answers three questions, saves. */
export async function enrollInBrowser(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  for (const [i, question] of Object.keys(ANSWERS).entries()) {
    await page.locator(`#question${i}`).selectOption(question);
    await page.getByLabel(`Answer ${i + 1}`, { exact: true }).fill(ANSWERS[storedQuestion(question)]!);
    await page.getByLabel(`Type answer ${i + 1} again`).fill(ANSWERS[storedQuestion(question)]!);
  }
  await page.getByLabel('Personal e-mail address').fill(`${user.sam}@${devDomain().dnsDomain}`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('You are set up').waitFor();
}

/** From the page enrollment ends on: back to the menu, then a whole reset; the new password. */
export async function resetInBrowser(page: Page, user: TestUser, portal: TestPortal): Promise<string> {
  await page.getByRole('link', { name: 'Back to the start' }).click();
  return resetFromMenu(page, user, portal);
}

/** From the menu, a whole reset with the questions and an e-mailed code, to its done page; the new password. */
export async function resetFromMenu(page: Page, user: TestUser, portal: TestPortal): Promise<string> {
  await page.getByRole('link', { name: /I forgot my password/ }).click();
  await page.getByLabel('Username').fill(user.sam);
  await page.getByRole('button', { name: 'Continue' }).click();
  for (let i = 0; i < portal.config.verification.questionsToAsk; i++) {
    const question = (await page.locator('p.question').textContent())!.trim();
    await page.getByLabel('Your answer').fill(ANSWERS[storedQuestion(question)]!);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByLabel(/E-mail to/).check();
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByLabel('Code').fill(await codeSentTo(`${user.sam}@${devDomain().dnsDomain}`, portal.outbox));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Your new password must:').waitFor();
  const next = freshPassword();
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Type the new password again').fill(next);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('Your password has been changed').waitFor();
  return next;
}

/** Clicks the submit button of the form holding `field`, and waits for the page it leads to. */
export async function submitForm(page: Page, field: string): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.locator(`form:has(${field}) button[type="submit"]`).first().click()]);
}

/** Signs in to `area` (/me, /helpdesk, /admin) through its own form. */
export async function signInAt(page: Page, url: string, account: { sam: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.locator('#username').fill(account.sam);
  await page.locator('#password').fill(account.password);
  await submitForm(page, '#password');
}

/**
 * A whole reset of an enrolled `user` by questions and an e-mailed code, whatever the page's
 * language (fields found by name), calling `visit` on each page on the way; the code's e-mail.
 * The user's password becomes the new one.
 */
export async function resetStepByStep(page: Page, base: string, portal: TestPortal, user: TestUser, visit: (what: string) => Promise<void>) {
  await page.goto(`${base}/reset`);
  await visit('/reset');
  await page.locator('#username').fill(user.sam);
  await submitForm(page, '#username');
  while (await page.locator('p.question').count()) {
    await visit('a question');
    const question = (await page.locator('p.question').textContent())!.trim();
    await page.locator('#answer').fill(ANSWERS[storedQuestion(question)]!);
    await submitForm(page, '#answer');
  }
  await visit('the channel page');
  const sent = portal.outbox.messages().length;
  await page.locator('#channel-email').check();
  await submitForm(page, '#channel-email');
  await visit('the code page');
  const address = `${user.sam}@${devDomain().dnsDomain}`;
  // The newest message to the user, once one more has arrived.
  const mail = await portal.outbox.waitFor((message) => portal.outbox.messages().length > sent && message.to.includes(address), 5000);
  await page.locator('#code').fill(/(\d{6})/.exec(mail.text)![1]!);
  await submitForm(page, '#code');
  await visit('the new password page');
  const next = freshPassword();
  await page.locator('#password').fill(next);
  await page.locator('#confirm').fill(next);
  await submitForm(page, '#confirm');
  await visit('the done page');
  user.password = next;
  return mail;
}
