/**
 * The helpdesk on a phone (Debian's Chromium at 390 px, an iPhone's width): the search results,
 * a user's page after a refused reset, and a protected account's refusal all fit the screen;
 * nothing makes the page scroll sideways.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import type { Page } from 'playwright-core';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { adminClient, createUser, devDomain, removeEntries, type TestUser } from '../testing/dev-domain.ts';

const facts = devDomain();
const PHONE = { width: 390, height: 844 };
let admin: Client;
let served: BrowserPortal;
let user: TestUser;

before(async () => {
  admin = await adminClient();
  // A long display name and address, as real directories have: they must wrap, not widen the page.
  user = await createUser(admin);
  const long = `Maximiliane Wolfeschlegelsteinhausen-Bergerdorff ${user.sam}`;
  await admin.modify(user.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: [long] }) }));
  served = await startBrowserPortal('127.0.0.1', { helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] } });
});

after(async () => {
  await served?.close();
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
});

async function fitsThePhone(page: Page, what: string) {
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(width <= PHONE.width, `${what}: the page is ${width} px wide on a ${PHONE.width} px screen`);
}

test('at 390 px the helpdesk search, a user page and a refusal fit the screen; protected accounts say so', async () => {
  const context = await served.browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${served.base}/helpdesk`);
  await page.getByLabel('Username').fill(facts.helpdesk.member);
  await page.getByLabel('Password').fill(facts.userPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByLabel('Find a user').fill(user.sam);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: user.sam }).waitFor();
  await fitsThePhone(page, 'the search results');

  await page.getByLabel('Find a user').fill(facts.protectedUser.sam);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: facts.protectedUser.sam });
  assert.match((await row.textContent()) ?? '', /Protected/);
  await fitsThePhone(page, 'a protected account in the results');
  await row.getByRole('link', { name: facts.protectedUser.sam }).click();
  await page.getByRole('heading', { name: 'This account is protected' }).waitFor();
  await fitsThePhone(page, 'the refusal');

  await page.goto(`${served.base}/helpdesk?q=${user.sam}`);
  await page.getByRole('link', { name: user.sam }).click();
  await page.getByRole('button', { name: 'Reset the password' }).click();
  assert.match((await page.locator('#reset-refused').textContent()) ?? '', /Verify the caller first/);
  await fitsThePhone(page, "a user's page with the reset refused");
  await context.close();
});
