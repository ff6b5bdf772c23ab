/**
 * A person in a real browser (Debian's Chromium, headless, driven by playwright-core): enroll,
 * then forget the password and reset it by clicking through the pages, reading the code from
 * the e-mail, with JavaScript off, as the portal must work without it; and the same journey with
 * the keyboard alone (Tab, Enter, Space, the arrows and typing). An error summary takes the focus
 * as the page loads, with script and without; Back after a finished flow finds the start page,
 * never a form sent again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import type { Browser, Page } from 'playwright-core';
import { enrollInBrowser, resetFromMenu, resetInBrowser } from '../testing/browser-journey.ts';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, bindAs, createUser, devDomain, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { ANSWERS, codeSentTo, storedQuestion } from '../testing/journeys.ts';
import type { TestPortal } from '../testing/portal.ts';

let admin: Client;
let served: BrowserPortal;
let portal: TestPortal;
let browser: Browser;
let base: string;
let user: TestUser;
/** The keyboard journeys' own account. */
let keyboardUser: TestUser;

before(async () => {
  admin = await adminClient();
  user = await createUser(admin);
  keyboardUser = await createUser(admin);
  served = await startBrowserPortal('127.0.0.1');
  ({ portal, browser, base } = served);
});

after(async () => {
  await served?.close();
  await removeEntries(admin, [user.dn, keyboardUser.dn]);
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

/** Presses Tab until the element `selector` has the focus (as a person tabs through the page). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

/** Tabs to a field and types into it. */
async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}

/** Presses Enter (on a link, a button or in a field) and waits for the page it leads to. */
async function enter(page: Page): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

/** Focuses the question select and walks the arrows down to `question`. */
async function chooseWithArrows(page: Page, selector: string, question: string): Promise<void> {
  await tabTo(page, selector);
  const options = await page.locator(`${selector} option`).allTextContents();
  for (let i = 0; i < options.indexOf(question); i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator(selector).inputValue(), question);
}

/** The id (else the class) of the element that has the focus. */
const focused = (page: Page) => page.evaluate<string>(`document.activeElement?.id || document.activeElement?.className || ''`);

test('enroll, then reset a forgotten password, with the keyboard alone', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);

  await tabTo(page, 'a[href="/enroll"]');
  await enter(page);
  assert.equal(await focused(page), 'username', 'the first field has the focus');
  await page.keyboard.type(keyboardUser.sam);
  await typeInto(page, '#password', keyboardUser.password);
  await enter(page);

  for (const [i, question] of Object.keys(ANSWERS).entries()) {
    await chooseWithArrows(page, `#question${i}`, question);
    await typeInto(page, `#answer${i}`, ANSWERS[storedQuestion(question)]!);
    // The show/hide toggle follows the answer: Space shows it, Space hides it again.
    await tabTo(page, `button[data-reveal="answer${i}"]`);
    await page.keyboard.press('Space');
    assert.equal(await page.locator(`#answer${i}`).getAttribute('type'), 'text');
    await page.keyboard.press('Space');
    assert.equal(await page.locator(`#answer${i}`).getAttribute('type'), 'password');
    await typeInto(page, `#answerConfirm${i}`, ANSWERS[storedQuestion(question)]!);
  }
  const address = `${keyboardUser.sam}@${devDomain().dnsDomain}`;
  await typeInto(page, '#email', address);
  await enter(page);
  await page.getByText('You are set up').waitFor();

  await tabTo(page, 'a[href="/"]');
  await enter(page);
  await tabTo(page, 'a[href="/reset"]');
  await enter(page);
  await typeInto(page, '#username', keyboardUser.sam);
  await enter(page);
  for (let i = 0; i < portal.config.verification.questionsToAsk; i++) {
    const question = (await page.locator('p.question').textContent())!.trim();
    await typeInto(page, '#answer', ANSWERS[storedQuestion(question)]!);
    await enter(page);
  }
  // The channels are a radio group: the arrows move the choice, and back to e-mail.
  await tabTo(page, 'input[name="channel"]:checked');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.locator('input[name="channel"]:checked').inputValue(), 'email');
  await tabTo(page, 'form[action="/reset/send"] button[type="submit"]');
  await enter(page);
  await typeInto(page, '#code', await codeSentTo(address, portal.outbox));
  await enter(page);
  const next = freshPassword();
  await typeInto(page, '#password', next);
  await typeInto(page, '#confirm', next);
  await enter(page);
  await page.getByText('Your password has been changed').waitFor();
  assert.equal(await bindAs(keyboardUser.dn, next), 'ok');
  keyboardUser.password = next;
  await context.close();
});

test('an error summary takes the focus as the page loads, with script and without', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${base}/change`);
    await tabTo(page, 'button[type="submit"]');
    await enter(page);
    assert.match(await page.title(), /^Error: /);
    assert.equal(await focused(page), 'errors', `the summary is focused (script ${javaScriptEnabled ? 'on' : 'off'})`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // a link to the field, on the same page
    assert.equal(await focused(page), 'username', 'its first link leads to the field');
    await context.close();
  }
});

test('Back after a finished reset shows the start page, not a form sent again', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);
  const next = await resetFromMenu(page, keyboardUser, portal);
  await page.getByText('A reset ends the sessions').waitFor();
  assert.equal(new URL(page.url()).pathname, '/reset/done');
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, '/', 'the start page');
  await page.getByText('What do you need to do?').waitFor();
  await page.reload();
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await bindAs(keyboardUser.dn, next), 'ok');
  keyboardUser.password = next;
  await context.close();
});
