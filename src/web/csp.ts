/**
 * The Content Security Policy. Every page gets the strict one: nothing but the portal's own style
 * sheet and images, and no script at all. The few pages that run a script of the portal's own
 * (the password pages' live feedback, the audit viewer's columns) add scripts and fetches from
 * the portal itself, and nothing else: no inline script, no eval, no other site.
 */
import type { FastifyReply } from 'fastify';

/** Every page's policy, as @fastify/helmet's directives. */
export const PAGE_CSP: Record<string, string[]> = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** The policy of a page that runs the portal's own scripts, as a header value. */
export const SCRIPTED_PAGE_CSP = Object.entries({ ...PAGE_CSP, scriptSrc: ["'self'"], connectSrc: ["'self'"] })
  .map(([directive, sources]) => `${kebab(directive)} ${sources.join(' ')}`)
  .join('; ');

/** The views whose template names a script of the portal's own (`scripts` in the layout; csp.test.ts keeps the two in step). */
const SCRIPTED_VIEWS: ReadonlySet<string> = new Set([
  'new-password',
  'change',
  'account',
  'helpdesk-user',
  'admin-audit',
  'account-passkeys',
  'account-passkey-add',
  'factor-passkey',
  'enroll-questions',
]);

/** Lets `view` run the portal's own scripts, if its template names one. */
export function scriptPolicyFor(reply: FastifyReply, view: string): void {
  if (SCRIPTED_VIEWS.has(view)) reply.header('content-security-policy', SCRIPTED_PAGE_CSP);
}
