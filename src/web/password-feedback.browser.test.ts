/**
 * The live password feedback in a real browser (Debian's Chromium, headless, JavaScript on): the
 * rules ticked as one types, the strength meter, the breached warning from the k-anonymous range
 * check against a real index (a Pwned Passwords list imported into breachedIndexFile; only five
 * hex digits of the SHA-1 leave the page), the script itself sent compressed, the match confirmation and the
 * show/hide buttons, all under the portal's CSP with no console error; without JavaScript the
 * page is the plain one; and axe finds no WCAG 2.1 A/AA violation with the feedback showing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations } from '../testing/axe.ts';
import { importPasswordList, neighboursOf } from '../testing/breached-lists.ts';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, createUser, removeEntries, type TestUser } from '../testing/dev-domain.ts';

const BREACHED = 'Summer2024!x';
const BREACH_COUNT = 31_337;
const STRONG = 'Tq7!vX2#mLp9@wR4zK';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

let served: BrowserPortal;
let browser: Browser;
let base: string;
let user: TestUser;
const removeAfter: string[] = [];
const folder = mkdtempSync(join(tmpdir(), 'latchkey-feedback-'));

before(async () => {
  const admin = await adminClient();
  user = await createUser(admin);
  removeAfter.push(user.dn);
  await admin.unbind();
  // A small index keeps only a few of the 35 digits after the prefix: the page matches them as a
  // prefix. The strong password's prefix has entries too, as every prefix has in a full list.
  const indexFile = join(folder, 'breached-passwords.idx');
  await importPasswordList(indexFile, { [BREACHED]: BREACH_COUNT }, { hashes: [...neighboursOf(STRONG), ...neighboursOf('aB1!')] });
  served = await startBrowserPortal('127.0.0.1', { breachedIndexFile: indexFile });
  ({ browser, base } = served);
});

after(async () => {
  await served?.close();
  rmSync(folder, { recursive: true, force: true });
  const admin = await adminClient();
  await removeEntries(admin, removeAfter);
  await admin.unbind();
});

/** A page whose console errors, uncaught errors and CSP violations are collected. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`));
  // Run in the page (as text: these tests are compiled without the DOM's types).
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(event.violatedDirective + ' ' + event.blockedURI));",
  );
  return { page, problems, requests };
}

async function signIn(page: Page) {
  await page.goto(`${base}/me`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Your account/ }).waitFor();
}

const ruleState = (page: Page, rule: string) => page.locator(`#rules li[data-rule="${rule}"]`).getAttribute('data-state');

async function waitForRule(page: Page, rule: string, state: string) {
  await page.locator(`#rules li[data-rule="${rule}"][data-state="${state}"]`).waitFor();
}

test('as one types: rules ticked, strength, breached warning, match and show/hide, with no CSP violation', async () => {
  const context = await browser.newContext();
  const { page, problems, requests } = await watchedPage(context);
  const encodings: string[] = [];
  page.on('response', async (response) => {
    if (response.url().includes('/password-feedback.bundle.')) encodings.push((await response.headerValue('content-encoding')) ?? 'identity');
  });
  await signIn(page);
  await page.locator('button.reveal').first().waitFor();
  assert.equal(encodings.length, 1);
  assert.match(encodings[0]!, /^(br|gzip)$/, 'the script came compressed, and runs');
  const password = page.locator('#newPassword');

  await password.fill('aB1!');
  await waitForRule(page, 'min-length', 'unmet');
  assert.match((await page.locator('#rules li[data-rule="min-length"]').textContent())!, /✗.*at least 8 characters.*\(not met yet\)/s);
  assert.equal(await ruleState(page, 'history'), 'unknown', 'a rule only the server can check is neither');
  const weak = Number(await page.locator('.strength meter').getAttribute('value'));

  await password.fill(STRONG);
  await waitForRule(page, 'min-length', 'met');
  assert.equal(await ruleState(page, 'complexity'), 'met');
  assert.match((await page.locator('#rules li[data-rule="min-length"]').textContent())!, /✓.*\(met\)/s);
  const strong = Number(await page.locator('.strength meter').getAttribute('value'));
  assert.ok(strong > weak && strong >= 3, `the meter moves from ${weak} to ${strong}`);
  assert.match((await page.locator('.strength').textContent())!, /Strength: (strong|very strong)\./);
  await waitForRule(page, 'not-breached', 'met');
  assert.ok(await page.locator('.breach-warning').isHidden());

  await password.fill(BREACHED);
  await page.getByText('This password has appeared in 31,337 known data breaches').waitFor();
  await waitForRule(page, 'not-breached', 'unmet');
  assert.match((await password.getAttribute('aria-describedby'))!, /newPassword-breach/, 'the warning describes the field');

  // Only five hex digits of each hash were sent: never a password, never the rest of a hash.
  const checks = () => requests.filter((url) => url.includes('/password-check/')).map((url) => new URL(url).pathname);
  const allowed = ['aB1!', STRONG, BREACHED].map((typed) => `/password-check/range/${sha1(typed).slice(0, 5)}`);
  assert.ok(
    checks().every((path) => allowed.includes(path)),
    checks().join(' '),
  );
  // Each prefix is asked for once: typing a password again asks nothing new.
  await password.fill(STRONG);
  await waitForRule(page, 'not-breached', 'met');
  await password.fill(BREACHED);
  await waitForRule(page, 'not-breached', 'unmet');
  assert.equal(checks().filter((path) => path === allowed[2]).length, 1);
  for (const typed of ['aB1!', STRONG, BREACHED]) {
    assert.ok(!requests.some((url) => url.includes(encodeURIComponent(typed)) || url.includes(typed) || url.includes(sha1(typed).slice(5, 15))), typed);
  }

  await page.locator('#confirm').fill(`${BREACHED}?`);
  await page.getByText('The two entries do not match yet.').waitFor();
  await page.locator('#confirm').fill(BREACHED);
  await page.getByText('The two entries match.').waitFor();
  await page.locator('p[role="status"]', { hasText: /Rules met so far: \d of \d\..*known data breaches.*The two entries match\./ }).waitFor();

  const reveals = page.locator('button.reveal');
  assert.equal(await reveals.count(), 3, 'current password, new password, and again');
  const reveal = page.locator('button.reveal[aria-controls="newPassword"]');
  assert.equal(await reveal.getAttribute('aria-pressed'), 'false');
  await reveal.click();
  assert.equal(await password.getAttribute('type'), 'text');
  assert.equal(await reveal.getAttribute('aria-pressed'), 'true');
  await reveal.click();
  assert.equal(await password.getAttribute('type'), 'password');

  assert.deepEqual(problems, [], 'no console errors and no CSP violations');
  await context.close();
});

test('without JavaScript the rules list is there and no show/hide button is', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page);
  assert.ok(await page.locator('#rules li[data-rule="min-length"]').isVisible());
  assert.match((await page.locator('#rules').textContent())!, /at least 8 characters/);
  assert.equal(await page.locator('#rules li[data-state]').count(), 0);
  assert.equal(await page.locator('button.reveal, .strength, .breach-warning').count(), 0);
  assert.ok(await page.locator('[data-password-feedback]').isHidden());
  await page.goto(`${base}/change`);
  assert.equal(await page.locator('button.reveal').count(), 0);
  await context.close();
});

test('axe finds no WCAG 2.1 A/AA violation on the password pages with the feedback showing', async () => {
  // axe is injected as an inline script, which the portal's CSP rightly refuses: this context
  // lets it in (the test above checks the page under the CSP).
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page);
  await page.locator('#newPassword').fill(BREACHED);
  await page.locator('#confirm').fill('something else');
  await page.locator('.breach-warning').waitFor();
  await page.locator('button.reveal[aria-controls="confirm"]').click();
  assert.deepEqual(await axeViolations(page), [], '/me');

  await page.goto(`${base}/change`);
  await page.locator('#newPassword').fill(BREACHED);
  await page.locator('#confirm').fill(BREACHED);
  await page.locator('.breach-warning').waitFor();
  assert.deepEqual(await axeViolations(page), [], '/change');
  await context.close();
});

/** The rules list as the rules' template renders it, every kind of rule once. */
const CONTRACT_PAGE = `<!doctype html><html lang="en"><head><title>Rules</title>
<script src="/static/password-feedback.bundle.js" defer></script></head><body><main>
<div class="rules" id="rules" data-live-rules><ul>
<li data-rule="min-length" data-min="8">at least 8</li>
<li data-rule="max-length" data-max="20">at most 20</li>
<li data-rule="no-name" data-words="jsmith,smith,john">not your name</li>
<li data-rule="banned-words">no banned words</li>
<li data-rule="no-repeats" data-max="2">no character three times in a row</li>
<li data-rule="no-sequences" data-max="3">no run of four like abcd or 4321</li>
<li data-rule="complexity" data-categories="3">three of four groups</li>
<li data-rule="composition" data-classes="upper,lower,digit,symbol">every group</li>
<li data-rule="not-breached">not breached</li>
<li data-rule="history" data-count="5">not one of the last 5</li>
</ul></div>
<form><div class="field"><label for="password">New</label><input type="password" id="password"></div>
<div class="field"><label for="confirm">Again</label><input type="password" id="confirm"></div>
<div hidden data-password-feedback data-field="password" data-confirm="confirm" data-range="/password-check/range/"
 data-t-met="met" data-t-unmet="not met" data-t-unknown="later" data-t-rules-met="{met} of {total}" data-t-strength="Strength {label}"
 data-t-strength0="0" data-t-strength1="1" data-t-strength2="2" data-t-strength3="3" data-t-strength4="4"
 data-t-match="same" data-t-mismatch="different" data-t-breached="seen {count} times" data-t-show="Show"></div></form></main></body></html>`;

test('every rule of the rules list is ticked as far as the page can tell', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${base}/rules-contract`, (route) => route.fulfill({ contentType: 'text/html', body: CONTRACT_PAGE }));
  await page.goto(`${base}/rules-contract`);
  await page.locator('button.reveal').first().waitFor();
  const states = async (password: string) => {
    await page.locator('#password').fill(password);
    // not-breached waits for the range check (the first test is about it).
    return Object.fromEntries(
      await page
        .locator('#rules li:not([data-rule="not-breached"])')
        .evaluateAll((items) => items.map((item) => [item.getAttribute('data-rule'), item.getAttribute('data-state')])),
    );
  };
  const neutral = { 'banned-words': 'unknown', history: 'unknown' };
  assert.deepEqual(await states('Xy7!Smith99'), {
    ...neutral,
    'min-length': 'met',
    'max-length': 'met',
    'no-name': 'unmet',
    'no-repeats': 'met',
    'no-sequences': 'met',
    complexity: 'unmet',
    composition: 'met',
  });
  assert.deepEqual(await states('aaab'), {
    ...neutral,
    'min-length': 'unmet',
    'max-length': 'met',
    'no-name': 'met',
    'no-repeats': 'unmet',
    'no-sequences': 'met',
    complexity: 'unmet',
    composition: 'unmet',
  });
  for (const run of ['Qw!abcd9Zk', 'Qw!DCBA9zk', 'Qw!6789xZk']) assert.equal((await states(run))['no-sequences'], 'unmet', run);
  assert.equal((await states('Qw!abc9Zk'))['no-sequences'], 'met', 'a run of three is allowed');
  const long = await states('qwerty12345678901234567');
  assert.equal(long['max-length'], 'unmet');
  assert.equal(long.composition, 'unmet');
  assert.equal(long.complexity, 'unmet', 'two groups only');
  await context.close();
});
