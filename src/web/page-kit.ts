/**
 * What every route needs: reading sign-in forms and prefilled links, the requester, rendering a form page with
 * a fresh CSRF token and the typed values and errors, and replacing the session at a boundary.
 */
import type { FastifyReply, FastifyRequest, Session } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../field-errors.ts';
import type { Requester } from '../flows/context.ts';
import { type Credentials, missingCredentials } from '../flows/sign-in.ts';
import type { Translate } from '../i18n/translate.ts';
import { scriptPolicyFor } from './csp.ts';
import { readForm, secretField, textField, typedValues } from './form-schema.ts';

/** The honeypot's field name: plausible to a bot, hidden from people. */
export const HONEYPOT = 'website';

const credentialsForm = z.object({ username: textField(), domain: textField(64), password: secretField(), [HONEYPOT]: textField() });

/**
 * A sign-in form read by its schema: the name as typed (kept to show again) and the
 * credentials, or the errors of the fields that could not be read.
 */
export function credentialsOf(
  body: unknown,
): { values: { username: string; domain: string } } & ({ credentials: Credentials; errors?: never } | { credentials?: never; errors: FieldError[] }) {
  const values = typedValues(body, ['username', 'domain']) as { username: string; domain: string };
  const read = readForm(credentialsForm, body);
  if (!read.ok) return { values, errors: read.errors };
  const { username, domain, password } = read.values;
  const missing = missingCredentials(username, password);
  if (missing.length) return { values, errors: missing };
  return { values, credentials: { name: username, domain: domain || undefined, password, honeypot: read.values[HONEYPOT] } };
}

const prefillQuery = z.object({ username: textField(), domain: textField(64) });

/** The name and domain a link may carry to fill in a first step (`?username=jsmith&domain=CORP`); nothing when unreadable. */
export function prefilled(request: FastifyRequest): { username: string; domain: string } {
  const read = readForm(prefillQuery, request.query);
  return read.ok ? read.values : { username: '', domain: '' };
}

/** Who is asking: their address, and the language their page is in (for what is sent to them). */
export function requester(request: FastifyRequest): Requester {
  return { ip: request.ip, language: request.language };
}

/** The flows whose last page is a done page. */
export type FinishedFlow = 'enroll' | 'reset' | 'unlock' | 'change';

/**
 * What a finished flow's done page says, kept in the session for one showing: the outcome (text
 * keys), and what to do next after a new password (`password`), also saying that saved sessions end
 * after a reset (`reset`).
 */
export interface DoneNotice {
  kind: FinishedFlow;
  lines: string[];
  tone: 'success' | 'notice';
  next: 'password' | 'reset' | null;
}

/** The cookie that carries the (signed) session id. */
export const SESSION_COOKIE = 'lk_flow';

/**
 * Whether the request's session is in the store under its id: it came with the request's cookie,
 * or was saved during it. Any other session has an id made for this request that nobody has seen.
 */
function isStored(request: FastifyRequest): boolean {
  const cookie = request.cookies[SESSION_COOKIE];
  return request.session.isSaved() || (cookie !== undefined && request.unsignCookie(cookie).value === request.session.sessionId);
}

/** Session keys that belong to a signed-in person rather than to one flow. */
const SIGNED_IN_KEYS: readonly (keyof Session)[] = ['account', 'operator', 'admin'];

/** What pageKit gives a route file. */
export type PageKit = ReturnType<typeof pageKit>;

export function pageKit(t: Translate) {
  return {
    /** Renders a page with a form: a fresh CSRF token, the typed values (never passwords) and errors. */
    form(reply: FastifyReply, view: string, data: Record<string, unknown> = {}, status = 200) {
      const errors = (data.errors as FieldError[] | undefined) ?? [];
      scriptPolicyFor(reply, view);
      return reply.code(status).view(view, {
        csrf: reply.generateCsrf(),
        honeypot: HONEYPOT,
        values: {},
        ...data,
        errors: errors.map((error) => ({ ...error, message: messageOf(t, error) })),
        hasError: (field: string) => errors.some((error) => error.field === field),
      });
    },

    /** A page that only says something. */
    message(reply: FastifyReply, heading: string, body: string, tone: 'success' | 'notice' = 'notice') {
      return reply.view('message', { heading, body, tone });
    },

    /** Starts a fresh session (new id) that keeps who is signed in and holds `key`: a step boundary. */
    async advance<K extends keyof Session>(request: FastifyRequest, key: K, value: Session[K]) {
      const kept = SIGNED_IN_KEYS.filter((other) => other !== key);
      if (isStored(request)) await request.session.regenerate(kept);
      else {
        // Already a new id: regenerating would delete a row that was never written and write an
        // empty one before the real one; the session is saved once, as the answer leaves.
        const dropped = (Object.keys(request.session) as (keyof Session)[]).filter((other) => other !== 'cookie' && !kept.includes(other));
        for (const other of dropped) request.session.set(other, undefined);
      }
      request.session.set(key, value);
    },

    /** Ends a flow: forgets its state, and the whole session when nobody is signed in. */
    finish,

    /**
     * Ends a flow with its outcome: a fresh session that holds only the notice (and who is signed
     * in), and a redirect to the done page, so that Back or a reload never sends the form again.
     */
    async done(request: FastifyRequest, reply: FastifyReply, notice: DoneNotice) {
      await request.session.regenerate([...SIGNED_IN_KEYS]);
      request.session.set('done', notice);
      return reply.redirect(`/${notice.kind}/done`, 303);
    },

    /** The done page of `kind`, shown once: a second visit (Back, a reload) finds the start page. */
    async donePage(request: FastifyRequest, reply: FastifyReply, kind: FinishedFlow) {
      const notice = request.session.get('done');
      if (!notice || notice.kind !== kind) return toStart(reply);
      await finish(request, 'done');
      return reply.view('message', {
        heading: t(`${kind}.heading`),
        body: notice.lines.map((line) => t(line)).join(' '),
        tone: notice.tone,
        next: notice.next,
      });
    },
  };
}

/** A field error in words; one about a numbered question (`params.question`) names it first. */
function messageOf(t: Translate, error: FieldError): string {
  const message = t(error.code, error.params);
  return error.params?.question === undefined ? message : t('form.aboutQuestion', { number: error.params.question, message });
}

/** Ends a flow: forgets its state, and the whole session when nobody is signed in. */
async function finish(request: FastifyRequest, key: keyof Session) {
  if (SIGNED_IN_KEYS.some((kept) => kept !== key && request.session.get(kept))) request.session.set(key, undefined);
  else await request.session.destroy();
}

/** A step's page asked for with no flow to show (Back after the flow ended, an old bookmark): the start page. */
export function toStart(reply: FastifyReply) {
  return reply.redirect('/', 303);
}
