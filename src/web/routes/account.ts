/**
 * The signed-in area (/me): sign in, profile (view and edit), groups, password change, enrollment
 * (the authenticator app, recovery codes and the sign-in's second step are in account-factors.ts).
 * Every request re-checks the session and reads the user again from the directory.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../errors.ts';
import type { FieldError } from '../../field-errors.ts';
import { activeUser, changeOwnPassword, editProfile, enrollFromAccount, type Profile, signInToAccount, viewGroups, viewProfile } from '../../flows/account.ts';
import type { FlowContext } from '../../flows/context.ts';
import { factorStatus } from '../../flows/factor-status.ts';
import { optionalTextField, readForm, secretField } from '../form-schema.ts';
import { credentialsOf, pageKit, requester } from '../page-kit.ts';

/** Form fields that carry profile attributes: `attr.<name>`. */
const ATTRIBUTE_PREFIX = 'attr.';
/** Longest value a profile attribute takes from the form. */
const ATTRIBUTE_MAX = 1024;

/** The profile form: every `attr.` field posted (the flow refuses those the admin does not let users edit). */
function profileForm(body: unknown) {
  const posted = Object.keys(body !== null && typeof body === 'object' ? body : {}).filter((field) => field.startsWith(ATTRIBUTE_PREFIX));
  return z.object(Object.fromEntries(posted.map((field) => [field, optionalTextField(ATTRIBUTE_MAX)])));
}

const passwordForm = z.object({ oldPassword: secretField(), newPassword: secretField(), confirm: secretField() });

/** The profile page, with a notice or errors of what was just done; shared by the account's route files. */
export function accountPages(ctx: FlowContext) {
  const { form } = pageKit(ctx.t);
  return {
    async profilePage(reply: FastifyReply, request: FastifyRequest, extra: { notice?: string; errors?: FieldError[]; profile?: Profile } = {}) {
      const user = await activeUser(ctx, request.session.get('account'));
      // Recovery codes are downloadable only right after they were made: leaving their page ends that.
      if (request.session.get('recoveryCodes')) request.session.set('recoveryCodes', undefined);
      const profile = extra.profile ?? (await viewProfile(ctx, user, requester(request)));
      const factorStatusOf = await factorStatus(ctx, user);
      return form(reply, 'account', { profile, user, factorStatus: factorStatusOf, notice: extra.notice, errors: extra.errors ?? [], values: {} });
    },
    /** The second step of a sign-in with an authenticator app: a code from it. */
    codePage: (reply: FastifyReply, errors: FieldError[] = []) =>
      form(reply, 'account-code', { action: '/me/sign-in/code', heading: ctx.t('account.signInHeading'), errors }),
  };
}

export async function accountRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);
  const { profilePage, codePage } = accountPages(ctx);

  const signInPage = (reply: FastifyReply, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) =>
    form(reply, 'sign-in', { action: '/me/sign-in', heading: t('account.signInHeading'), intro: t('account.signInIntro'), values, errors }, status);

  app.get('/me', (request, reply) => {
    if (request.session.get('account')) return profilePage(reply, request);
    if (request.session.get('accountStepUp')) return codePage(reply);
    return signInPage(reply);
  });

  app.post('/me/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials, errors } = credentialsOf(request.body);
    if (errors) return signInPage(reply, values, errors);
    const result = await signInToAccount(ctx, credentials, requester(request));
    if (!result.ok) return signInPage(reply, values, [{ field: 'password', code: result.error.code }]);
    if (result.stepUp) await advance(request, 'accountStepUp', result.stepUp);
    else await advance(request, 'account', result.session);
    return reply.redirect('/me', 303);
  });

  app.post('/me/profile', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const read = readForm(profileForm(request.body), request.body);
    if (!read.ok) return profilePage(reply, request, { errors: read.errors });
    const submitted = Object.fromEntries(
      Object.entries(read.values as Record<string, string | undefined>).flatMap(([field, value]) =>
        value === undefined ? [] : [[field.slice(ATTRIBUTE_PREFIX.length), value]],
      ),
    );
    const result = await editProfile(ctx, user, submitted, requester(request));
    if (result.outcome === 'invalid')
      return profilePage(reply, request, { errors: result.errors.map((error) => ({ ...error, field: `attr.${error.field}` })) });
    return profilePage(reply, request, { notice: t(result.changed.length ? 'account.saved' : 'account.nothingChanged') });
  });

  app.get('/me/groups', async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    return reply.view('account-groups', { groups: await viewGroups(ctx, user, requester(request)) });
  });

  app.post('/me/password', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const read = readForm(passwordForm, request.body);
    if (!read.ok) return profilePage(reply, request, { errors: read.errors });
    const result = await changeOwnPassword(ctx, user, read.values, requester(request));
    if (result.outcome === 'invalid') return profilePage(reply, request, { errors: result.errors });
    return profilePage(reply, request, { notice: t('account.passwordChanged') });
  });

  app.post('/me/enroll', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const state = await enrollFromAccount(ctx, user);
    if (state instanceof LatchkeyError) return message(reply, t('account.enrollmentHeading'), t(state.code));
    await advance(request, 'enroll', state);
    return reply.redirect('/enroll/questions', 303);
  });

  app.post('/me/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    for (const key of ['accountStepUp', 'totpBinding', 'recoveryCodes'] as const) request.session.set(key, undefined);
    await finish(request, 'account');
    return message(reply, t('account.heading'), t('account.signedOut'));
  });
}
