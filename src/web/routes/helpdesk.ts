/**
 * The helpdesk (/helpdesk): sign in, search users within the operator's OUs, see a user, verify
 * the caller, and reset, unlock, require or clear a password change, clear an enrollment or a
 * portal lockout. Authorisation (membership, scope, protection) is checked on every request by
 * the flows; nothing here relies on hidden buttons.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CALLER_QUESTIONS, checkCallerAnswers, checkCallerCode, sendCallerCode } from '../../flows/caller-verification.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { Desk } from '../../flows/helpdesk-guard.ts';
import {
  activeOperator,
  clearEnrollment,
  clearPortalLockout,
  resetForCaller,
  searchUsers,
  setMustChange,
  signInToHelpdesk,
  unlockForCaller,
  userDetails,
} from '../../flows/helpdesk.ts';
import type { FieldError } from '../../flows/recover.ts';
import type { Channel } from '../../flows/verification.ts';
import { credentialsOf, pageKit, requester, secret, text } from '../page-kit.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function helpdeskRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);

  const desk = (request: FastifyRequest) => activeOperator(ctx, request.session.get('operator'), requester(request));
  const guidOf = (request: FastifyRequest) => {
    const guid = text(request.params, 'guid', 36);
    return GUID.test(guid) ? guid : '00000000-0000-0000-0000-000000000000';
  };

  async function userPage(reply: FastifyReply, request: FastifyRequest, current: Desk, notes: { notice?: string; errors?: FieldError[]; generated?: string; codeSent?: boolean } = {}) {
    const details = await userDetails(ctx, current, guidOf(request), requester(request));
    return form(reply, 'helpdesk-user', { details, ...notes, errors: notes.errors ?? [], mustChangeDefault: true });
  }

  app.get('/helpdesk', async (request, reply) => {
    if (!request.session.get('operator')) {
      return form(reply, 'sign-in', { action: '/helpdesk/sign-in', heading: t('helpdesk.heading'), intro: t('helpdesk.signInIntro'), values: {} });
    }
    const current = await desk(request);
    const query = text(request.query, 'q', 64).trim();
    const page = query ? await searchUsers(ctx, current, query, text(request.query, 'after', 64) || undefined, requester(request)) : null;
    return form(reply, 'helpdesk-search', { query, page, operator: current.session });
  });

  app.post('/helpdesk/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials } = credentialsOf(request.body);
    const result = await signInToHelpdesk(ctx, credentials, requester(request));
    if (!result.ok) {
      return form(reply, 'sign-in', { action: '/helpdesk/sign-in', heading: t('helpdesk.heading'), intro: t('helpdesk.signInIntro'), values, errors: [{ field: 'password', code: result.error.code }] });
    }
    await advance(request, 'operator', result.session);
    return reply.redirect('/helpdesk', 303);
  });

  app.get('/helpdesk/users/:guid', async (request, reply) => userPage(reply, request, await desk(request)));

  const post = (path: string, handler: (request: FastifyRequest, reply: FastifyReply, current: Desk, guid: string) => Promise<unknown>) =>
    app.post(`/helpdesk/users/:guid/${path}`, { preHandler: app.csrfProtection }, async (request, reply) => handler(request, reply, await desk(request), guidOf(request)));

  post('send-code', async (request, reply, current, guid) => {
    await sendCallerCode(ctx, current, guid, text(request.body, 'channel') as Channel, requester(request));
    return userPage(reply, request, current, { codeSent: true });
  });

  post('check-code', async (request, reply, current, guid) => {
    const passed = await checkCallerCode(ctx, current, guid, text(request.body, 'code', 32), requester(request));
    return userPage(reply, request, current, passed ? { notice: t('helpdesk.verified') } : { errors: [{ field: 'code', code: 'LK_CALLER_CODE_WRONG' }], codeSent: true });
  });

  post('check-answers', async (request, reply, current, guid) => {
    const answers = Array.from({ length: CALLER_QUESTIONS }, (_, i) => secret(request.body, `answer${i}`));
    const passed = await checkCallerAnswers(ctx, current, guid, answers, requester(request));
    return userPage(reply, request, current, passed ? { notice: t('helpdesk.verified') } : { errors: [{ field: 'answer0', code: 'LK_CALLER_ANSWERS_WRONG' }] });
  });

  post('reset', async (request, reply, current, guid) => {
    const mustChange = text(request.body, 'mustChange') === 'on';
    const result = await resetForCaller(
      ctx,
      current,
      guid,
      text(request.body, 'mode') === 'typed'
        ? { mode: 'typed', password: secret(request.body, 'password'), confirm: secret(request.body, 'confirm'), mustChange }
        : { mode: 'generated', mustChange },
      requester(request),
    );
    if (result.outcome === 'invalid') return userPage(reply, request, current, { errors: result.errors });
    return userPage(reply, request, current, { notice: t('helpdesk.resetDone'), ...(result.generated ? { generated: result.generated } : {}) });
  });

  post('unlock', async (request, reply, current, guid) => {
    await unlockForCaller(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.unlocked') });
  });

  post('must-change', async (request, reply, current, guid) => {
    const on = text(request.body, 'on') === '1';
    await setMustChange(ctx, current, guid, on, requester(request));
    return userPage(reply, request, current, { notice: t(on ? 'helpdesk.mustChangeSet' : 'helpdesk.mustChangeCleared') });
  });

  post('clear-enrollment', async (request, reply, current, guid) => {
    await clearEnrollment(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.enrollmentCleared') });
  });

  post('clear-lockout', async (request, reply, current, guid) => {
    await clearPortalLockout(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.lockoutCleared') });
  });

  app.post('/helpdesk/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await finish(request, 'operator');
    return message(reply, t('helpdesk.heading'), t('account.signedOut'));
  });
}
