/**
 * Each page in the language of the person reading it: the request's language (picker cookie,
 * then Accept-Language, then the default) sets `<html lang dir>`, the views' `t` and, for the
 * route and the flows it calls, `ctx.t`. The picker on every page is a set of plain links to
 * /language, which sets a cookie and goes back to the page: no script, no server-side state.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatsFor } from '../i18n/format.ts';
import { direction, isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language, negotiate } from '../i18n/languages.ts';
import { inLanguage } from '../i18n/page-language.ts';
import type { Translate } from '../i18n/translate.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The language this request is answered in. */
    readonly language: Language;
  }
}

/** The picker's cookie: only ever one of LANGUAGES. */
export const LANGUAGE_COOKIE = 'lang';
const YEAR_SECONDS = 365 * 24 * 3600;
/** Any origin will do: it only tells a same-origin path from one that leaves the portal. */
const PROBE_ORIGIN = 'http://portal.invalid';

export interface LanguageOptions {
  texts: (language: Language) => Translate;
  defaultLanguage: Language;
  /** Whether the portal is reached over HTTPS (the cookie is then Secure). */
  secure: boolean;
}

/**
 * The path /language may go back to: a path on this portal (its query kept), never another
 * site, whatever the value tries (`//evil.example`, `/\evil.example`, `/.//evil.example`, a tab
 * or line break). The URL parser reads it as browsers do; what it gives back is percent-encoded.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return '/';
  }
  return url.origin === PROBE_ORIGIN && !url.pathname.startsWith('//') ? `${url.pathname}${url.search}` : '/';
}

/**
 * The page a picker link goes back to: this one when it can be fetched again, else the start.
 * Its path only: a query may hold a typed name, which links should not carry about.
 */
function pageToReturnTo(app: FastifyInstance, request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  if (request.method === 'GET') return path;
  const pattern = request.routeOptions.url;
  return pattern && !pattern.includes(':') && app.hasRoute({ method: 'GET', url: pattern }) ? path : '/';
}

/**
 * What every view is given for its language: `t`, `fmt` (dates, numbers), `lang`, `dir` and the
 * picker's links, back to `back` (by default, this page).
 */
export function languageLocals(app: FastifyInstance, request: FastifyRequest, options: LanguageOptions, back = pageToReturnTo(app, request)) {
  return {
    t: options.texts(request.language),
    fmt: formatsFor(request.language),
    lang: request.language,
    dir: direction(request.language),
    languages: LANGUAGES.map((code) => ({
      code,
      name: LANGUAGE_NAMES[code],
      href: `/language?lang=${code}&return=${encodeURIComponent(back)}`,
      current: code === request.language,
    })),
  };
}

/** The same for a page rendered before the request's language is known (replaced by languageLocals at once). */
export function defaultLanguageLocals(options: LanguageOptions) {
  return { t: options.texts(options.defaultLanguage), fmt: formatsFor(options.defaultLanguage), lang: options.defaultLanguage, dir: 'ltr', languages: [] };
}

/** Adds a value to the Vary header without dropping what is there. */
function vary(reply: FastifyReply, ...names: string[]) {
  const present = String(reply.getHeader('vary') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  reply.header('vary', [...new Set([...present, ...names])].join(', '));
}

/** Registers the request's language, the views' locals, the language of route handlers, and /language. */
export function languageSupport(app: FastifyInstance, options: LanguageOptions): void {
  app.decorateRequest('language', {
    getter(this: FastifyRequest) {
      return negotiate({ cookie: this.cookies?.[LANGUAGE_COOKIE], acceptLanguage: this.headers['accept-language'] }, options.defaultLanguage);
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    Object.assign((reply as FastifyReply & { locals: Record<string, unknown> }).locals, languageLocals(app, request, options));
  });
  // After the body is read (reading it loses the async context): the handler and all it calls speak the page's language.
  app.addHook('preHandler', (request, _reply, done) => inLanguage(request.language, done));
  // A page differs by language, so a cache (were one ever allowed) must keep them apart.
  app.addHook('onSend', async (_request, reply) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) vary(reply, 'Accept-Language', 'Cookie');
  });

  app.get('/language', async (request, reply) => {
    const { lang, return: back } = request.query as Record<string, unknown>;
    if (isLanguage(lang)) reply.setCookie(LANGUAGE_COOKIE, lang, { path: '/', maxAge: YEAR_SECONDS, sameSite: 'lax', httpOnly: true, secure: options.secure });
    return reply.redirect(safeReturnPath(back), 303);
  });
}
