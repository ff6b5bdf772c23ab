/**
 * axe-core itself, injected into a page (its Playwright wrapper asks for a newer Node than the
 * oldest line Latchkey supports): either before the page loads, `context.addInitScript({ path: AXE })`
 * (not subject to the page's CSP), or else added as an inline script, for which the page's
 * context must bypass the CSP (the portal's policy rightly refuses inline script).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe's WCAG 2.1 A and AA violations on the page as it is now, as `rule: targets` lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate<{ passed: number; violations: string[] }>(`
    axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }).then((result) => ({
      passed: result.passes.length,
      violations: result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')),
    }))`);
  assert.ok(result.passed > 10, 'axe did look at the page');
  return result.violations;
}
