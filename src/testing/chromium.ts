/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded
 * browser): headless, without a sandbox (the tests run as root in CI) and without reaching out
 * to any service of its own. CHROMIUM_PATH points elsewhere.
 */
import { type Browser, chromium } from 'playwright-core';

/** Starts a headless Chromium; close it in the suite's `after`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
