/**
 * A test portal for the browser tests: listening on 127.0.0.1 at a public URL the browser's
 * forms come from, and a headless Chromium to visit it. `localhost` as the host where passkeys
 * are tried (browsers allow them for a host name only), 127.0.0.1 as in demo mode otherwise.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { startTestPortal, type TestPortal } from './portal.ts';
import { freePort } from './ports.ts';

export interface BrowserPortal {
  portal: TestPortal;
  browser: Browser;
  /** The portal's public URL, e.g. `http://localhost:40123`. */
  base: string;
  /** Closes the browser and the portal. */
  close(): Promise<void>;
}

/** Starts the portal with `settings` (server.publicUrl set here) and Chromium; close both in the suite's `after`. */
export async function startBrowserPortal(host: '127.0.0.1' | 'localhost', settings: Record<string, unknown> = {}): Promise<BrowserPortal> {
  const port = await freePort();
  const base = `http://${host}:${port}`;
  const portal = await startTestPortal({ ...settings, server: { publicUrl: base } });
  try {
    await portal.app.server.listen({ host: '127.0.0.1', port });
    const browser = await launchChromium();
    return {
      portal,
      browser,
      base,
      async close() {
        await browser.close();
        await portal.close();
      },
    };
  } catch (error) {
    await portal.close();
    throw error;
  }
}
