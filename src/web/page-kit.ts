/**
 * What every route needs: reading sign-in forms and prefilled links, the requester, rendering a form page with
 * a fresh CSRF token and the typed values and errors, and replacing the session at a boundary.
 */
import type { FastifyReply, FastifyRequest, Session } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../field-errors.ts';
import type { Requester } from '../flows/context.ts';
import type { Credentials } from '../flows/sign-in.ts';
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
        errors: errors.map((error) => ({ ...error, message: t(error.code, error.params) })),
        hasError: (field: string) => errors.some((error) => error.field === field),
      });
    },

    /** A page that only says something. */
    message(reply: FastifyReply, heading: string, body: string, tone: 'success' | 'notice' = 'notice') {
      return reply.view('message', { heading, body, tone });
    },

    /** Starts a fresh session (new id) that keeps who is signed in and holds `key`: a step boundary. */
    async advance<K extends keyof Session>(request: FastifyRequest, key: K, value: Session[K]) {
      await request.session.regenerate(SIGNED_IN_KEYS.filter((kept) => kept !== key));
      request.session.set(key, value);
    },

    /** Ends a flow: forgets its state, and the whole session when nobody is signed in. */
    async finish(request: FastifyRequest, key: keyof Session) {
      if (SIGNED_IN_KEYS.some((kept) => kept !== key && request.session.get(kept))) request.session.set(key, undefined);
      else await request.session.destroy();
    },
  };
}
