/**
 * The web server: Fastify with strict security headers, stateless CSRF on every form, flow
 * state in a server-side session that exists only once a flow has really started, and an error
 * handler that shows a plain page with a reference (never a stack trace).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySession from '@fastify/session';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import { LatchkeyError } from '../errors.ts';
import type { AdminContext } from '../flows/admin/context.ts';
import type { FlowContext } from '../flows/context.ts';
import { RateLimited } from '../flows/sign-in.ts';
import { SignInRequired } from '../flows/signed-in.ts';
import { networkGate } from '../flows/staff-networks.ts';
import { LANGUAGES, supportedLanguage } from '../i18n/languages.ts';
import { pageLanguage } from '../i18n/page-language.ts';
import type { Translate } from '../i18n/translate.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ServerKeys } from '../security/keys.ts';
import { staticAssets } from './assets.ts';
import { PAGE_CSP } from './csp.ts';
import { BadRequest, Busy, FormExpired, NotFound } from './errors.ts';
import { flowLinks } from './flow-links.ts';
import { kioskLinks, kioskRedirects, rewriteKioskUrl } from './kiosk.ts';
import { defaultLanguageLocals, type LanguageOptions, languageLocals, languageSupport } from './language.ts';
import { shownItems } from './menu-items.ts';
import { crossSiteGuard, httpsScheme, reachedOverHttps } from './origin.ts';
import { SESSION_COOKIE } from './page-kit.ts';
import { type Pressure, shedUnderPressure } from './pressure.ts';
import { questionText } from './question-text.ts';
import { accountRoutes } from './routes/account.ts';
import { accountFactorRoutes } from './routes/account-factors.ts';
import { adminRoutes } from './routes/admin.ts';
import { changeRoutes } from './routes/change.ts';
import { demoRoutes, type Outbox } from './routes/demo.ts';
import { enrollRoutes } from './routes/enroll.ts';
import { enrollFactorRoutes } from './routes/enroll-factors.ts';
import { helpdeskRoutes } from './routes/helpdesk.ts';
import { helpdeskCallerRoutes } from './routes/helpdesk-caller.ts';
import { menuRoutes } from './routes/menu.ts';
import { operationsRoutes, type ReadinessChecks } from './routes/operations.ts';
import { passkeyRoutes } from './routes/passkeys.ts';
import { passwordCheckRoutes } from './routes/password-check.ts';
import { resetRoutes } from './routes/reset.ts';
import { unlockRoutes } from './routes/unlock.ts';
import { sendSecurityHeaders } from './security-headers.ts';
import { type SessionRows, sessionStore } from './session-store.ts';
import { staffNetworkGuard } from './staff-networks.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Log the route's pattern instead of the path, so that its parameters stay out of the log. */
    logRoute?: boolean;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const VIEWS = join(here, 'views');

export interface WebOptions {
  config: Config;
  ctx: FlowContext;
  /** Where the web sessions are kept (the store's sessions). */
  sessions: SessionRows;
  /** What /readyz checks. */
  readiness: ReadinessChecks;
  keys: ServerKeys;
  /** Fastify's logger: pino options, or false. */
  logger?: boolean | object;
  /** Present only in demo mode: the captured e-mails and texts, shown at /dev/outbox. */
  outbox?: Outbox;
  /** What the admin console's flows work with. */
  admin: AdminContext;
  metrics: Metrics;
  /** TLS options when Latchkey serves HTTPS itself. */
  https?: ServerOptions;
  /** When to shed load; default: this process's event loop (tests force it). */
  pressure?: Pressure;
}

/** The largest form Latchkey accepts; its forms are a few short fields. */
const BODY_LIMIT = 16 * 1024;
/** A generous flood guard per address; the flows' own limits are finer and invisible. */
const FLOOD_LIMIT_PER_MINUTE = 300;

export async function buildServer(options: WebOptions): Promise<FastifyInstance> {
  const { config, keys } = options;
  // One answer for the whole portal, never 'auto': 'auto' believes what each request says of its
  // scheme (through a proxy not in trustedProxies: http), and @fastify/session then also turns
  // SameSite=Strict into Lax.
  const overHttps = reachedOverHttps(config.server, options.https !== undefined);
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    // Query strings can carry a typed username (?username=…): requests are logged by path only.
    logger: typeof options.logger === 'object' ? { ...options.logger, serializers: { req: requestForLog } } : (options.logger ?? false),
    bodyLimit: BODY_LIMIT,
    // X-Forwarded-For is believed only from the configured proxies.
    trustProxy: config.server.trustedProxies.length ? config.server.trustedProxies : false,
    genReqId: requestIds(),
    rewriteUrl: rewriteKioskUrl,
  }) as unknown as FastifyInstance;
  const language: LanguageOptions = { texts: (tag) => options.ctx.texts(tag), defaultLanguage: supportedLanguage(config.ui.language), secure: overHttps };

  sendSecurityHeaders(app, {
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP },
    // No referrer to any other site; but 'no-referrer' would also make browsers send `Origin: null`
    // with the portal's own forms, and the cross-site guard refuses a null origin.
    referrerPolicy: { policy: 'same-origin' },
    hsts: overHttps ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // The same answer as the CSP's frame-ancestors 'none', for browsers that only know this header.
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  if (overHttps) app.addHook('onRequest', httpsScheme);
  app.addHook('onRequest', crossSiteGuard(config.server));
  // After the cross-site guard, so that a refused address meets exactly what an unknown page would.
  const gate = networkGate({
    allowFrom: { admin: () => config.admin.allowFrom, helpdesk: () => options.ctx.policy.helpdesk.allowFrom },
    audit: { admin: options.admin.adminAudit, helpdesk: options.ctx.helpdeskAudit },
    now: () => options.ctx.now(),
  });
  app.addHook('onRequest', staffNetworkGuard(gate));
  await app.register(fastifyRateLimit, { max: FLOOD_LIMIT_PER_MINUTE, timeWindow: 60_000 });
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie, { secret: keys.cookie.toString('hex') });
  await app.register(fastifyCsrf, {
    // The CSRF secret lives in a signed cookie: a form page creates no server-side state.
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'lk_csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', secure: overHttps, path: '/' },
    getToken: (request) => (request.body as Record<string, string> | undefined)?._csrf,
  });
  // The busy page is the same for everyone, so it speaks the portal's default language.
  const busyTexts = options.ctx.texts(language.defaultLanguage);
  shedUnderPressure(app, options.pressure, () => app.view('message', { heading: busyTexts('busy.heading'), body: busyTexts(Busy.code), tone: 'notice' }));
  await app.register(fastifySession, {
    secret: keys.cookie.toString('hex'),
    cookieName: SESSION_COOKIE,
    // No session row until a flow has started: a flood of page views writes nothing.
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'strict', secure: overHttps, path: '/', maxAge: 20 * 60_000 },
    store: sessionStore(options.sessions, () => Date.now()),
  });
  const assets = await staticAssets(app, join(here, 'static'));
  await app.register(fastifyView, {
    engine: { eta: viewEngine(config.ui.overridesDir) },
    templates: VIEWS,
    defaultContext: { ...defaultLanguageLocals(language), organisation: config.ui.organisation, ...viewHelpers(options.ctx, assets.url) },
    // Otherwise @fastify/view turns Eta's cache off whenever NODE_ENV is not 'production' and every
    // page compiles its templates again (twice the CPU per page, bench/http-throughput.ts).
    production: true,
  });
  app.addHook('onRequest', kioskLinks);
  app.addHook('onSend', kioskRedirects);
  languageSupport(app, language);
  errorPages(app, language);

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) });
  });
  await app.register(operationsRoutes, { readiness: options.readiness, metrics: options.metrics, metricsAllowFrom: config.server.metricsAllowFrom });
  // Pages hold CSRF tokens and personal data: never cached by the browser or a proxy. Only the
  // hashed static files say otherwise.
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  await app.register(menuRoutes, { ctx: options.ctx });
  await app.register(enrollRoutes, { ctx: options.ctx });
  await app.register(enrollFactorRoutes, { ctx: options.ctx });
  await app.register(resetRoutes, { ctx: options.ctx });
  await app.register(unlockRoutes, { ctx: options.ctx });
  await app.register(changeRoutes, { ctx: options.ctx });
  await app.register(accountRoutes, { ctx: options.ctx });
  await app.register(passkeyRoutes, { ctx: options.ctx });
  await app.register(accountFactorRoutes, { ctx: options.ctx });
  await app.register(helpdeskRoutes, { ctx: options.ctx });
  await app.register(helpdeskCallerRoutes, { ctx: options.ctx });
  await app.register(passwordCheckRoutes, { ctx: options.ctx });
  await app.register(adminRoutes, { admin: options.admin });
  if (options.outbox) await app.register(demoRoutes, { outbox: options.outbox });
  return app;
}

/**
 * Request ids (the reference an error page shows), unique across instances and restarts without
 * random bytes per request: a random prefix of fixed length per process, then a count, all hex.
 */
function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let count = 0;
  return () => prefix + (++count).toString(16).padStart(4, '0');
}

/**
 * What the log keeps of a request: method, path and source, never the query string. A route
 * marked `logRoute` is logged by its pattern alone (its parameters are not kept).
 */
function requestForLog(request: {
  method: string;
  url: string;
  ip?: string;
  id?: unknown;
  routeOptions?: { url?: string | undefined; config?: { logRoute?: boolean } };
}) {
  const route = request.routeOptions;
  const path = route?.config?.logRoute && route.url ? route.url : request.url.split('?')[0];
  return { id: request.id, method: request.method, path, remoteAddress: request.ip };
}

/**
 * What every view may call: `it.asset` (a static file's hashed address), `it.href` (a page's
 * address; the kiosk's differ, kiosk.ts) and `it.flowLinks` (a message with the menu items it
 * names, those shown at the time, linked to their pages), `it.questionText` (a security question
 * in the page's language when it is a built-in one).
 */
function viewHelpers(ctx: FlowContext, asset: (file: string) => string) {
  return {
    asset,
    href: (path: string) => path,
    flowLinks: (translate: Translate, text: string, href?: (path: string) => string) => flowLinks(translate, text, shownItems(ctx), href),
    questionText,
  };
}

/** Eta, looking for each template first in the admin's overrides folder: the page's language's, then every language's. */
function viewEngine(overridesDir: string | undefined): Eta {
  const eta = new Eta({ views: VIEWS, autoEscape: true, autoTrim: false, cache: true });
  if (!overridesDir) return eta;
  const builtIn = eta.resolvePath.bind(eta);
  const overrides = join(overridesDir, 'views');
  const languageFolder = new RegExp(`^(${LANGUAGES.join('|')})/`);
  eta.resolvePath = (template, options) => {
    // Includes and layouts named from an override (views/ or views/<language>/) resolve as if named from the built-in file.
    const from = options?.filepath;
    const inOverrides = from !== undefined && !relative(overrides, from).startsWith('..');
    const builtInFrom = inOverrides ? join(VIEWS, relative(overrides, from).replace(languageFolder, '')) : undefined;
    const path = builtIn(template, builtInFrom ? { ...options, filepath: builtInFrom } : options);
    const name = relative(VIEWS, path);
    // The page's language's own override first (compiled templates are kept by path, so per language).
    const language = pageLanguage();
    return [...(language ? [join(overrides, language, name)] : []), join(overrides, name)].find((file) => existsSync(file)) ?? path;
  };
  return eta;
}

/** The 404 page and the error handler, their pages in the request's language even when the error came before the language was set. */
function errorPages(app: FastifyInstance, language: LanguageOptions) {
  // Its picker goes back to the start: an address with no page, or one that failed, is no place to return to,
  // and a hidden flow's pages must look exactly like any address with no page.
  const errorPage: ErrorPage = (request, reply, status, message, reference) =>
    reply.code(status).view('error', { ...languageLocals(app, request, language, '/'), message, reference });
  app.setNotFoundHandler((request, reply) => errorPage(request, reply, NotFound.status, language.texts(request.language)(NotFound.code)));
  app.setErrorHandler((error, request, reply) => handleError(error, request, reply, errorPage, language.texts(request.language)));
}

/** The plain error page. */
type ErrorPage = (request: FastifyRequest, reply: FastifyReply, status: number, message: string, reference?: string) => FastifyReply;

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply, errorPage: ErrorPage, t: Translate) {
  // A signed-in page without a live session: back to its sign-in form.
  if (SignInRequired.is(error)) {
    const [area, home] = request.url.startsWith('/helpdesk')
      ? (['operator', '/helpdesk'] as const)
      : request.url.startsWith('/admin')
        ? (['admin', '/admin'] as const)
        : (['account', '/me'] as const);
    request.session.set(area, undefined);
    return reply.redirect(home, 303);
  }
  // A refusal the person can understand (out of scope, privileged, not verified, a step out of order): no reference needed.
  if (error instanceof LatchkeyError && error.status < 500) return errorPage(request, reply, error.status, t(error.code));
  const status = (error as { statusCode?: number }).statusCode;
  const code = (error as { code?: string }).code;
  // Fastify's own refusals, each shown as one of ours.
  if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') return errorPage(request, reply, FormExpired.status, t(FormExpired.code));
  if (status === 429) return errorPage(request, reply, 429, t(RateLimited.code));
  if (status && status >= 400 && status < 500 && !(error instanceof LatchkeyError)) return errorPage(request, reply, status, t(BadRequest.code));
  // A critical error: a plain page for the user, the details under the same reference in the log.
  const reference = String(request.id);
  request.log.error({ err: error, reference }, 'request failed');
  const known = error instanceof LatchkeyError && t(error.code) !== error.code;
  const message = known ? t(error.code) : t('LK_UNEXPECTED');
  return errorPage(request, reply, error instanceof LatchkeyError ? error.status : 500, message, reference);
}
