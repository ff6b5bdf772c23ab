/**
 * The signed-in area (/me): sign in, profile (view and edit), groups, password change, enrollment.
 * Every request re-checks the session and reads the user again from the directory.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  activeUser,
  changeOwnPassword,
  editProfile,
  enrollFromAccount,
  type Profile,
  signInToAccount,
  viewGroups,
  viewProfile,
} from '../../flows/account.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { FieldError } from '../../field-errors.ts';
import { LatchkeyError } from '../../errors.ts';
import { credentialsOf, pageKit, requester, secret, text } from '../page-kit.ts';

/** Form fields that carry profile attributes: `attr.<name>`. */
const ATTRIBUTE_FIELD = /^attr\.(.+)$/;

export async function accountRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);

  const signInPage = (reply: FastifyReply, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) =>
    form(reply, 'sign-in', { action: '/me/sign-in', heading: t('account.signInHeading'), intro: t('account.signInIntro'), values, errors }, status);

  async function profilePage(reply: FastifyReply, request: FastifyRequest, extra: { notice?: string; errors?: FieldError[]; profile?: Profile } = {}) {
    const user = await activeUser(ctx, request.session.get('account'));
    const profile = extra.profile ?? (await viewProfile(ctx, user, requester(request)));
    return form(reply, 'account', { profile, user, notice: extra.notice, errors: extra.errors ?? [], values: {} });
  }

  app.get('/me', (request, reply) => (request.session.get('account') ? profilePage(reply, request) : signInPage(reply)));

  app.post('/me/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials } = credentialsOf(request.body);
    const result = await signInToAccount(ctx, credentials, requester(request));
    if (!result.ok) return signInPage(reply, values, [{ field: 'password', code: result.error.code }]);
    await advance(request, 'account', result.session);
    return reply.redirect('/me', 303);
  });

  app.post('/me/profile', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const submitted: Record<string, string> = {};
    for (const [field, value] of Object.entries((request.body as Record<string, unknown>) ?? {})) {
      const name = ATTRIBUTE_FIELD.exec(field)?.[1];
      if (name && typeof value === 'string') submitted[name] = value.slice(0, 1024);
    }
    const result = await editProfile(ctx, user, submitted, requester(request));
    if (result.outcome === 'invalid') return profilePage(reply, request, { errors: result.errors.map((error) => ({ ...error, field: `attr.${error.field}` })) });
    return profilePage(reply, request, { notice: t(result.changed.length ? 'account.saved' : 'account.nothingChanged') });
  });

  app.get('/me/groups', async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    return reply.view('account-groups', { groups: await viewGroups(ctx, user, requester(request)) });
  });

  app.post('/me/password', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const result = await changeOwnPassword(
      ctx,
      user,
      { oldPassword: secret(request.body, 'oldPassword'), newPassword: secret(request.body, 'newPassword'), confirm: secret(request.body, 'confirm') },
      requester(request),
    );
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
    await finish(request, 'account');
    return message(reply, t('account.heading'), t('account.signedOut'));
  });
}
