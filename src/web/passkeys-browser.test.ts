/**
 * Passkeys in a real browser (Debian's Chromium, headless, JavaScript on) with Chrome's virtual
 * authenticator (DevTools' WebAuthn domain) in place of a fingerprint reader: sign in to /me,
 * add a passkey through the bundled script, see it listed, rename it, prove an assertion made
 * by the browser passes the check reset and unlock use (and fails for another account), remove
 * it. The portal's public URL is http://localhost:<port>: WebAuthn needs a host name as RP ID
 * and a secure context, which localhost is.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import type { Browser, Page } from 'playwright-core';
import { passkeyRequest, verifyPasskey } from '../flows/passkeys.ts';
import { type BrowserPortal, startBrowserPortal } from '../testing/browser-portal.ts';
import { addVirtualAuthenticator } from '../testing/chromium.ts';
import { adminClient, createUser, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import type { TestPortal } from '../testing/portal.ts';

let admin: Client;
let served: BrowserPortal;
let portal: TestPortal;
let browser: Browser;
let base: string;
let user: TestUser;
let other: TestUser;

before(async () => {
  admin = await adminClient();
  user = await createUser(admin);
  other = await createUser(admin);
  served = await startBrowserPortal('localhost');
  ({ portal, browser, base } = served);
});

after(async () => {
  await served?.close();
  await removeEntries(admin, [user.dn, other.dn]);
  await admin.unbind();
});

/**
 * In the page: navigator.credentials.get with the server's options (`options`), the answer as
 * AuthenticationResponseJSON. Text, not a function: the test runner's compiler would add helpers
 * of its own to a function, which the page does not have.
 */
const BROWSER_ASSERTION = `(async () => {
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0));
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/[+]/g, '-').replace(/[/]/g, '_').replace(/=+$/, '');
  const found = await navigator.credentials.get({ publicKey: { challenge: bytes(options.challenge), rpId: options.rpId, userVerification: 'required', timeout: options.timeout } });
  const response = found.response;
  return {
    id: found.id,
    rawId: text(found.rawId),
    type: found.type,
    response: {
      clientDataJSON: text(response.clientDataJSON),
      authenticatorData: text(response.authenticatorData),
      signature: text(response.signature),
      ...(response.userHandle ? { userHandle: text(response.userHandle) } : {}),
    },
    clientExtensionResults: {},
  };
})()`;

/** The browser's answer to `options`. */
function browserAssertion(page: Page, options: Record<string, unknown>): Promise<unknown> {
  return page.evaluate(`const options = ${JSON.stringify(options)}; ${BROWSER_ASSERTION}`);
}

test('add a passkey with the browser’s authenticator, rename it, use it for the check reset relies on, and remove it', async () => {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page);

  await page.goto(`${base}/me`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Manage your passkeys' }).click();
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByLabel('Name (optional)').fill('Virtual key');
  await page.getByRole('button', { name: 'Create the passkey' }).click();
  await page.getByText('Your passkey “Virtual key” was added.').waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0]?.isResidentCredential, true, 'a discoverable credential');
  assert.equal(credentials[0]?.rpId, 'localhost', 'the RP ID is publicUrl’s host');

  await page.getByLabel('New name for “Virtual key”').fill('Renamed key');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByText('The passkey is now called “Renamed key”.').waitFor();

  // The check reset and unlock use, with an assertion the browser made for a fresh request.
  const { ctx } = portal.app;
  const owner = await portal.app.directory.findUser(user.sam);
  const stranger = await portal.app.directory.findUser(other.sam);
  const first = (await passkeyRequest(ctx)).options;
  assert.equal(await verifyPasskey(ctx, stranger!.guid, first.challenge, await browserAssertion(page, first)), 'wrong', 'another account');
  const second = (await passkeyRequest(ctx)).options;
  const answer = await browserAssertion(page, second);
  assert.equal(await verifyPasskey(ctx, owner!.guid, second.challenge, JSON.stringify(answer)), 'accepted');
  assert.equal(await verifyPasskey(ctx, owner!.guid, second.challenge, JSON.stringify(answer)), 'wrong', 'a replay');
  await page.reload();
  await page.getByText(/last used [A-Z][a-z]{2} \d{1,2}, \d{4}/).waitFor();

  await page.getByRole('button', { name: 'Remove “Renamed key”' }).click();
  await page.getByRole('button', { name: 'Remove the passkey' }).click();
  await page.getByText('The passkey “Renamed key” was removed.').waitFor();
  assert.equal(await ctx.store.passkeys.count(owner!.guid), 0);
  assert.deepEqual(problems, [], 'no console errors (a CSP violation would show here)');
  await context.close();
});

test('without JavaScript the passkey page says what needs it, and shows no button that cannot work', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/me`);
  await page.getByLabel('Username').fill(user.sam);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Manage your passkeys' }).click();
  assert.equal(await page.getByText('Adding or using a passkey needs JavaScript').isVisible(), true);
  assert.equal(await page.getByRole('button', { name: 'Add a passkey' }).isVisible(), false);
  assert.equal(await page.getByText('Your passkeys', { exact: true }).isVisible(), true);
  await context.close();
});
