/**
 * A logon-screen browser in kiosk mode (Debian's Chromium, headless, driven by playwright-core):
 * from a Netwrix link, enroll, then forget the password and reset it by clicking through.
 * Every request the browser makes is recorded: each page and form it opens is under the restricted
 * path /pwreset/ with a file name ending in .dll, .htm or .html, as Netwrix's Password Reset
 * Client requires; nothing else it loads is media.
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

test('a whole reset in kiosk mode opens only .dll and .html addresses under /pwreset/', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: { url: string; navigation: boolean; method: string; type: string }[] = [];
  page.on('request', (request) =>
    requests.push({ url: request.url(), navigation: request.isNavigationRequest(), method: request.method(), type: request.resourceType() }),
  );

  // Enroll, from the address a Netwrix link gives: the name is filled in.
  await page.goto(`${base}/pwreset/apr.dll?cmd=enroll&username=${user.sam}`);
  assert.equal(await page.getByLabel('Username').inputValue(), user.sam);
  await enrollInBrowser(page, user);

  // Forget: from the menu, reset with questions and an e-mailed code.
  const next = await resetInBrowser(page, user, portal);
  assert.equal(await bindAs(user.dn, next), 'ok');

  const navigations = requests.filter((request) => request.navigation);
  assert.ok(navigations.length >= 12, `the walk was recorded: ${navigations.length} navigations`);
  const seen = (method: string, path: string) => navigations.some((request) => request.method === method && request.url === `${base}${path}`);
  assert.ok(seen('POST', '/pwreset/reset/password.html'), 'form posts are recorded');
  assert.ok(seen('GET', '/pwreset/reset/verify.html'), 'redirects after a post are recorded');
  assert.ok(seen('GET', `/pwreset/enroll.html?username=${user.sam}`), 'the Netwrix link led to the kiosk enroll page');
  for (const request of navigations) {
    const url = new URL(request.url);
    assert.equal(url.origin, base, request.url);
    assert.match(url.pathname, /^\/pwreset\/[a-z/]*\.(dll|htm|html)$/, `${request.method} ${request.url}`);
  }
  // What is not a navigation (the style sheet, the icon, scripts and the live password check) stays on the portal and is no media.
  for (const request of requests.filter((request) => !request.navigation)) {
    assert.equal(new URL(request.url).origin, base, request.url);
    assert.ok(!['media', 'object'].includes(request.type), `${request.type} ${request.url}`);
  }
  // Every link on the last page stays under /pwreset/ too.
  const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((link) => (link as unknown as { href: string }).href));
  assert.ok(hrefs.length > 0);
  for (const href of hrefs) assert.ok(href.startsWith(`${base}/pwreset/`), href);
  await context.close();
});
