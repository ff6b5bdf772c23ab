/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded
 * browser): headless, without a sandbox (the tests run as root in CI) and without reaching out
 * to any service of its own. CHROMIUM_PATH points elsewhere.
 */
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';

/** Starts a headless Chromium; close it in the suite's `after`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Chrome's virtual authenticator on `page` (the DevTools protocol's WebAuthn domain): a platform
 * authenticator that keeps discoverable credentials and verifies its user, answering at once.
 * The session and the authenticator's id are returned for the tests' own WebAuthn.* calls.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}
