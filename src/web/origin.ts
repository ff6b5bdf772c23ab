/**
 * Where the portal is, as browsers see it: whether they reach it over HTTPS (then every cookie
 * is Secure and HSTS is sent, whatever a single request claims about its scheme), and its
 * origin, which every state-changing request must come from.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import { createError } from '../errors.ts';

export const CrossSiteRequest = createError<{ origin: string }>(
  'LK_CROSS_SITE_REQUEST',
  'This form was sent from another website, so it was not accepted. Type the address of this portal yourself, or use your bookmark, and try again.',
  403,
);

/** True when browsers reach the portal over HTTPS: Latchkey serves TLS, a TLS proxy is declared, or the public URL is https. */
export function reachedOverHttps(server: Config['server'], servesTls: boolean): boolean {
  return servesTls || server.behindTlsProxy || (server.publicUrl?.startsWith('https://') ?? false);
}

/**
 * An onRequest hook for a portal reached over HTTPS: the request's scheme is https, whatever the
 * connection says. Behind a TLS proxy the connection is plain HTTP (and X-Forwarded-Proto is
 * believed only from trustedProxies), yet the browser's side is HTTPS; @fastify/session would
 * otherwise not set a Secure cookie on it at all.
 */
export async function httpsScheme(request: FastifyRequest) {
  if (request.protocol !== 'https') Object.defineProperty(request, 'protocol', { value: 'https', enumerable: true });
}

/** The serialised origin of `url`, or null for anything that is not one (such as the `null` origin). */
function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * An onRequest hook that refuses a state-changing request another site made a browser send:
 * an Origin that is neither the public URL's nor the request's own scheme and host, or
 * `Sec-Fetch-Site: cross-site`. A request with
 * neither header (old clients, curl) is left to the CSRF token.
 */
export function crossSiteGuard(server: Config['server']) {
  const configured = server.publicUrl ? originOf(server.publicUrl) : null;
  return async (request: FastifyRequest) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const origin = request.headers.origin;
    const fetchSite = request.headers['sec-fetch-site'];
    // The page's own address counts too: a browser never sends another site's form with this
    // host's origin, and the demo may be opened as localhost where it printed 127.0.0.1.
    const own = originOf(`${request.protocol}://${request.host}`);
    const expected = configured ?? own;
    const sent = origin === undefined ? undefined : originOf(origin);
    const sameOrigin = origin === undefined || (sent !== null && (sent === configured || sent === own));
    if (sameOrigin && fetchSite !== 'cross-site') return;
    // A public URL other than the one people type would refuse every form: the log says which.
    request.log.warn({ origin, fetchSite, expected }, 'a request from another site was refused');
    throw CrossSiteRequest({ origin: origin ?? '' });
  };
}
