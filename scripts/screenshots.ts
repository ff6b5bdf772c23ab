/**
 * `npm run screenshots`: the main pages as a person sees them, for the README. Starts a portal
 * against the dev domain (as the demo does), enrolls a throwaway user, walks a reset, then /me,
 * the helpdesk and the admin console in Chromium, and writes PNGs to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { resetStepByStep, signInAt } from '../src/testing/browser-journey.ts';
import { startBrowserPortal } from '../src/testing/browser-portal.ts';
import { adminClient, createUser, devDomain, removeEntries } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { webClient } from '../src/testing/web-client.ts';

const folder = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const DESKTOP = { width: 1100, height: 760 };
const PHONE = { width: 390, height: 844 };
/** Each step of the reset, by the name its picture gets. */
const RESET_STEPS: Record<string, string> = {
  '/reset': 'reset',
  'a question': 'question',
  'the code page': 'code',
  'the new password page': 'new-password',
  'the done page': 'done',
};

const facts = devDomain();
mkdirSync(folder, { recursive: true });
const admin = await adminClient();
const user = await createUser(admin);
const served = await startBrowserPortal('127.0.0.1', {
  ui: { organisation: 'Example Corp' },
  helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
});
try {
  await enroll(webClient(served.portal.app.server), user);
  const context = await served.browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  const page = await context.newPage();
  const shoot = (name: string, target: Page = page) => target.screenshot({ path: join(folder, `${name}.png`), fullPage: true });

  await page.goto(served.base);
  await shoot('start');
  const shot = new Set<string>();
  await resetStepByStep(page, served.base, served.portal, user, async (step) => {
    const name = RESET_STEPS[step];
    if (name && !shot.has(name)) await shoot(name);
    if (name) shot.add(name);
  });
  await signInAt(page, `${served.base}/me`, user);
  await shoot('me');
  await signInAt(page, `${served.base}/helpdesk`, { sam: facts.helpdesk.member, password: facts.userPassword });
  await page.goto(`${served.base}/helpdesk?q=${user.sam}`);
  await shoot('helpdesk-search');
  await signInAt(page, `${served.base}/admin`, { sam: facts.admins.member, password: facts.userPassword });
  await shoot('admin-dashboard');

  // The start page on a phone, in a German browser.
  const phone = await served.browser.newContext({ viewport: PHONE, locale: 'de-DE', isMobile: true });
  const german = await phone.newPage();
  await german.goto(served.base);
  await shoot('start-phone-de', german);
  await phone.close();
  await context.close();
  console.log(`screenshots written to ${folder}`);
} finally {
  await served.close();
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
}
