/**
 * Kiosk mode, for logon-screen browsers (Netwrix's Password Reset Client opens only addresses whose
 * file name ends in .dll, .htm or .html) and the addresses of Netwrix Password Reset
 * (/pwreset/apr.dll?cmd=enroll&username=…&domain=…). Every public page has a second address
 * under /pwreset/, ending in .html: /reset/verify is /pwreset/reset/verify.html, the menu is
 * /pwreset/index.html (and /pwreset/apr.dll). Such a request is re-dispatched to the same route,
 * and its page's links, form actions and redirects are written back into kiosk addresses, so
 * no page of a kiosk session leads out of /pwreset/.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const KIOSK_PREFIX = '/pwreset/';

/** The flows a kiosk may reach, and the language picker; everything else (/me, /helpdesk, /admin) has no kiosk address. */
const KIOSK_FLOWS = new Set(['reset', 'unlock', 'change', 'enroll', 'language']);

/** The menu's kiosk addresses: the Netwrix program's name, an index page, and the folder itself. */
const MENU_FILES = new Set(['', 'index.html', 'apr.dll']);

const splitQuery = (url: string): [string, string] => {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
};

/** The portal's own path for a kiosk address (query kept), or undefined when `url` is not one. */
export function fromKiosk(url: string): string | undefined {
  const [path, query] = splitQuery(url);
  if (!path.startsWith(KIOSK_PREFIX)) return undefined;
  const file = path.slice(KIOSK_PREFIX.length);
  if (MENU_FILES.has(file)) return `/${query}`;
  const page = /^([a-z]+)((?:\/[a-z]+(?:-[a-z]+)*)*)\.html$/.exec(file);
  if (!page || !KIOSK_FLOWS.has(page[1]!)) return undefined;
  return `/${page[1]}${page[2] ?? ''}${query}`;
}

/** The kiosk address of a portal path (query kept), or undefined when the path has none. */
export function toKiosk(url: string): string | undefined {
  const [path, query] = splitQuery(url);
  if (path === '/') return `${KIOSK_PREFIX}index.html${query}`;
  const page = /^\/([a-z]+)((?:\/[a-z]+(?:-[a-z]+)*)*)$/.exec(path);
  if (!page || !KIOSK_FLOWS.has(page[1]!)) return undefined;
  return `${KIOSK_PREFIX}${page[1]}${page[2] ?? ''}.html${query}`;
}

/** Fastify's rewriteUrl: a kiosk address goes to its page's route; any other address stays as it is. */
export function rewriteKioskUrl(request: { url?: string }): string {
  const url = request.url ?? '/';
  return fromKiosk(url) ?? url;
}

/** Whether the request came to a kiosk address (also an unknown one under /pwreset/, whose 404 page must stay inside). */
export function isKiosk(request: FastifyRequest): boolean {
  return request.originalUrl.startsWith(KIOSK_PREFIX);
}

/**
 * What the views build links and form actions with (`it.href('/reset/verify')`): the path itself,
 * or in kiosk mode its kiosk address. A path without one is left out of kiosk pages by the caller.
 */
export function linkMaker(request: FastifyRequest): (path: string) => string {
  return isKiosk(request) ? (path) => toKiosk(path) ?? `${KIOSK_PREFIX}index.html` : (path) => path;
}

/** onRequest: gives the views the request's link maker. */
export async function kioskLinks(request: FastifyRequest, reply: FastifyReply) {
  (reply as FastifyReply & { locals: Record<string, unknown> }).locals.href = linkMaker(request);
}

/** onSend: a redirect of a kiosk request goes to the kiosk address of its target. */
export async function kioskRedirects(request: FastifyRequest, reply: FastifyReply) {
  const location = reply.getHeader('location');
  if (typeof location === 'string' && location.startsWith('/') && isKiosk(request)) reply.header('location', linkMaker(request)(location));
}
