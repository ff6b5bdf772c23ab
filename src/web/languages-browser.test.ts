/**
 * Languages in Chromium: a German browser gets German pages and its reset code by e-mail in
 * German; and axe finds no WCAG 2.1 A/AA violation on any page in any language, at a desktop
 * and a phone width: the public pages, each step of a reset, /me, the helpdesk and the console.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { LANGUAGES } from '../i18n/languages.ts';
import { AXE, axeViolations } from '../testing/axe.ts';
import { resetStepByStep, signInAt } from '../testing/browser-journey.ts';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, createUser, devDomain, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { enroll } from '../testing/journeys.ts';
import { webClient } from '../testing/web-client.ts';

const facts = devDomain();
const folder = join(dirname(fileURLToPath(import.meta.url)), '..', 'i18n', 'strings');
const german = JSON.parse(readFileSync(join(folder, 'de.json'), 'utf8')) as Record<string, string>;
const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
];

let served: BrowserPortal;
let browser: Browser;
let base: string;
let user: TestUser;

before(async () => {
  const admin = await adminClient();
  user = await createUser(admin);
  await admin.unbind();
  served = await startBrowserPortal('127.0.0.1', {
    protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
    // A code for each language's reset: more than the default caps allow one person.
    codes: { perDestination: { perHour: 50, perDay: 50 }, perAccount: { perHour: 50, perDay: 50 } },
    helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
  });
  ({ browser, base } = served);
  await enroll(webClient(served.portal.app.server), user);
});

after(async () => {
  await served?.close();
  const admin = await adminClient();
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
});

test('a German browser gets German pages and its reset code by e-mail in German', async () => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto(base);
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  await page.getByRole('heading', { name: german['menu.heading']! }).waitFor();
  await page.getByRole('link', { name: german['menu.reset']! }).waitFor();
  const headings: string[] = [];
  const { subject } = await resetStepByStep(page, base, served.portal, user, async () => void headings.push((await page.locator('h1').textContent())!.trim()));
  assert.equal(subject, german['mail.code.subject']!.replace('{organisation}', 'Latchkey'));
  assert.ok(headings.includes(german['reset.heading']!) && headings.includes(german['reset.passwordHeading']!), headings.join(' | '));
  const done = (await page.locator('main').textContent())!;
  assert.ok(done.includes(german['reset.done']!), done);
  await context.close();
});

test('axe finds no WCAG 2.1 A/AA violation on any page in any language, at desktop and phone widths', async () => {
  const found: string[] = [];
  let checked = 0;
  // One context signed in to /me, the helpdesk and the console, one not; each page is read in each language.
  const contexts = [await browser.newContext({ viewport: WIDTHS[0]! }), await browser.newContext({ viewport: WIDTHS[0]! })];
  const [anonymous, member] = await Promise.all(
    contexts.map(async (context) => {
      await context.addInitScript({ path: AXE });
      return context.newPage();
    }),
  );
  const staff = (sam: string) => ({ sam, password: facts.userPassword });
  await signInAt(member!, `${base}/me`, user);
  await signInAt(member!, `${base}/helpdesk`, staff(facts.helpdesk.member));
  await signInAt(member!, `${base}/admin`, staff(facts.admins.member));
  const guid = (await served.portal.app.directory.findUser(user.sam))!.guid;
  for (const language of LANGUAGES) {
    for (const context of contexts) await context.addCookies([{ name: 'lang', value: language, url: base }]);
    const check = (page: Page) => async (what: string) => {
      assert.equal(await page.locator('html').getAttribute('lang'), language, what);
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        checked += 1;
        for (const violation of await axeViolations(page)) found.push(`${language} ${size.width}px ${what}: ${violation}`);
      }
      await page.setViewportSize(WIDTHS[0]!);
    };
    const visit = (page: Page) => async (path: string) => {
      await page.goto(`${base}${path}`);
      await check(page)(path);
    };
    for (const path of ['/', '/enroll', '/unlock', '/change', '/me', '/helpdesk', '/admin', '/nowhere']) await visit(anonymous!)(path);
    await resetStepByStep(anonymous!, base, served.portal, user, check(anonymous!));
    const pages = ['/me', '/me/passkeys', '/me/groups', `/helpdesk?q=${user.sam}`, `/helpdesk/users/${guid}`, '/admin', '/admin/settings'];
    for (const path of [...pages, '/admin/settings/passwordPolicy', '/admin/settings/notifications', '/admin/audit']) await visit(member!)(path);
  }
  for (const context of contexts) await context.close();
  assert.deepEqual(found, [], `${found.length} violations in ${checked} checks`);
});
