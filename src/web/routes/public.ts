/**
 * The public pages: menu, enroll, reset, unlock and change. Each route is a chain: flood guard
 * and CSRF (plugins) → read the form → call a flow → render or redirect. Flow state lives in
 * the server-side session; its id is replaced at every step boundary.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FlowContext } from '../../flows/context.ts';
import { credentialsOf, HONEYPOT, pageKit, requester, secret, text } from '../page-kit.ts';
import { changePassword } from '../../flows/change.ts';
import { type EnrollState, saveEnrollment, startEnrollment } from '../../flows/enroll.ts';
import { completeReset, completeUnlock, type FieldError, passwordRules } from '../../flows/recover.ts';
import { isStop, type Stop } from '../../flows/failure-limits.ts';
import {
  answerQuestion,
  type Channel,
  checkCode,
  sendCode,
  startVerification,
  StepOutOfOrder,
  type VerificationKind,
  type VerificationState,
} from '../../flows/verification.ts';

type Form = Record<string, unknown>;
const KINDS: readonly VerificationKind[] = ['reset', 'unlock'];
const COMMANDS = ['enroll', 'reset', 'unlock', 'change'];

export async function publicRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;

  const { form, message, advance, finish } = pageKit(t);

  function flow(request: FastifyRequest, kind: VerificationKind): VerificationState {
    const state = request.session.get('flow');
    if (!state || state.kind !== kind) throw StepOutOfOrder({});
    return state;
  }

  app.get('/', async (request, reply) => {
    const query = request.query as Form;
    const cmd = text(query, 'cmd');
    // Links of the form /?cmd=enroll&username=jsmith&domain=CORP opens a page filled in.
    if (COMMANDS.includes(cmd)) {
      const params = new URLSearchParams();
      for (const name of ['username', 'domain']) if (text(query, name)) params.set(name, text(query, name));
      return reply.redirect(`/${cmd}${params.size ? `?${params}` : ''}`, 303);
    }
    return reply.view('menu', {});
  });

  const prefilled = (request: FastifyRequest) => ({
    username: text(request.query, 'username'),
    domain: text(request.query, 'domain', 64),
  });

  // Enroll -----------------------------------------------------------------------------------
  app.get('/enroll', (request, reply) => form(reply, 'enroll', { values: prefilled(request) }));

  app.post('/enroll', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials } = credentialsOf(request.body);
    const result = await startEnrollment(ctx, credentials, requester(request));
    if (!result.ok) return form(reply, 'enroll', { values, errors: [{ field: 'password', code: result.error.code }] }, 200);
    await advance(request, 'enroll', result.state);
    return reply.redirect('/enroll/questions', 303);
  });

  function enrollment(request: FastifyRequest): EnrollState {
    const state = request.session.get('enroll');
    if (!state || state.expiresAt < ctx.now()) throw StepOutOfOrder({});
    return state;
  }

  const questionsPage = (reply: FastifyReply, state: EnrollState, values: Record<string, unknown>, errors: FieldError[] = []) =>
    form(reply, 'enroll-questions', {
      state,
      values,
      errors,
      questions: ctx.policy.enrollment.questions,
      count: ctx.policy.enrollment.questionsToEnroll,
      custom: ctx.policy.enrollment.customQuestions,
      collectEmail: ctx.policy.verification.channels.includes('email'),
      // A number is worth asking for only when a text message can be sent to it.
      collectMobile: ctx.sms !== null && ctx.policy.verification.channels.includes('sms'),
    });

  app.get('/enroll/questions', (request, reply) => {
    const state = enrollment(request);
    return questionsPage(reply, state, { email: state.directoryEmail ?? '', mobile: state.directoryMobile ?? '' });
  });

  app.post('/enroll/questions', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = enrollment(request);
    const body = request.body;
    const slots = Array.from({ length: ctx.policy.enrollment.questionsToEnroll }, (_, i) => ({
      question: text(body, `custom${i}`, 200).trim() || text(body, `question${i}`, 200),
      answer: secret(body, `answer${i}`),
    }));
    const input = { answers: slots, email: text(body, 'email'), mobile: text(body, 'mobile', 32) };
    const result = await saveEnrollment(ctx, state, input, requester(request));
    if (result.outcome === 'invalid') {
      // Questions and addresses are kept; answers are not sent back to the browser.
      const values: Record<string, string> = { email: input.email, mobile: input.mobile };
      slots.forEach((slot, i) => (values[`question${i}`] = slot.question));
      return questionsPage(reply, state, values, result.errors);
    }
    await finish(request, 'enroll');
    return message(reply, t('enroll.heading'), t('enroll.done'), 'success');
  });

  // Reset and unlock ---------------------------------------------------------------------------
  for (const kind of KINDS) {
    app.get(`/${kind}`, (request, reply) => form(reply, 'start', { kind, values: prefilled(request) }));

    app.post(`/${kind}`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const name = text(request.body, 'username');
      const domain = text(request.body, 'domain', 64);
      if (!name.trim()) {
        return form(reply, 'start', { kind, values: { username: name, domain }, errors: [{ field: 'username', code: 'LK_USERNAME_REQUIRED' }] });
      }
      const started = await startVerification(ctx, { kind, name, domain: domain || undefined, honeypot: text(request.body, HONEYPOT) }, requester(request));
      if (!started.ok) return stoppedPage(reply, kind, started.stop);
      await advance(request, 'flow', started.state);
      return reply.redirect(`/${kind}/verify`, 303);
    });

    app.get(`/${kind}/verify`, (request, reply) => stagePage(reply, flow(request, kind)));

    app.post(`/${kind}/answer`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const state = flow(request, kind);
      const outcome = await answerQuestion(ctx, state, secret(request.body, 'answer'), requester(request));
      if (isStop(outcome)) {
        await finish(request, 'flow');
        return stoppedPage(reply, kind, outcome);
      }
      if (outcome === 'wrong') return stagePage(reply, state, [{ field: 'answer', code: 'LK_ANSWER_WRONG' }]);
      await advance(request, 'flow', state);
      return reply.redirect(`/${kind}/verify`, 303);
    });

    app.post(`/${kind}/send`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const state = flow(request, kind);
      const channel = text(request.body, 'channel') as Channel;
      const sent = await sendCode(ctx, state, channel, requester(request));
      if (sent.outcome === 'too-soon') return stagePage(reply, state, [{ field: 'code', code: 'LK_CODE_RESEND_TOO_SOON', params: { seconds: sent.waitSeconds } }]);
      if (sent.outcome === 'failed') return stagePage(reply, state, [{ field: 'channel', code: sent.error.code }]);
      await advance(request, 'flow', state);
      return reply.redirect(`/${kind}/verify`, 303);
    });

    app.post(`/${kind}/code`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const state = flow(request, kind);
      const outcome = await checkCode(ctx, state, text(request.body, 'code', 32), requester(request));
      if (isStop(outcome)) {
        await finish(request, 'flow');
        return stoppedPage(reply, kind, outcome);
      }
      if (outcome === 'locked') {
        await finish(request, 'flow');
        return message(reply, t(`${kind}.heading`), t('verify.locked'));
      }
      if (outcome !== 'accepted') {
        return stagePage(reply, state, [{ field: 'code', code: outcome === 'expired' ? 'LK_CODE_EXPIRED' : 'LK_CODE_WRONG' }]);
      }
      await advance(request, 'flow', state);
      return reply.redirect(`/${kind}/verify`, 303);
    });
  }

  /** Says plainly that self-service stopped for now, and what to do; the same for every name. */
  function stoppedPage(reply: FastifyReply, kind: VerificationKind, stop: Stop) {
    const { portalLockout, perIp } = ctx.policy.protection;
    const minutes = stop === 'address' ? perIp.windowMinutes : portalLockout.coolDownMinutes;
    return message(reply, t(`${kind}.heading`), t(`verify.stopped.${stop}`, { minutes }));
  }

  /** The page for where the flow stands. */
  async function stagePage(reply: FastifyReply, state: VerificationState, errors: FieldError[] = []) {
    const common = { kind: state.kind, state, errors, minutes: ctx.policy.codes.lifetimeMinutes };
    switch (state.stage) {
      case 'question':
        return form(reply, 'question', { ...common, question: state.questions[state.questionIndex], number: state.questionIndex + 1, count: state.questions.length });
      case 'channel':
        return form(reply, 'channel', common);
      case 'code':
        return form(reply, 'code', { ...common, channelName: t(`verify.channelName.${state.codeChannel}`) });
      case 'verified':
        if (state.kind === 'unlock') return form(reply, 'unlock-confirm', common);
        return form(reply, 'new-password', { ...common, policy: await passwordRules(ctx, state) });
    }
  }

  app.post('/reset/password', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = flow(request, 'reset');
    const result = await completeReset(ctx, state, { password: secret(request.body, 'password'), confirm: secret(request.body, 'confirm') }, requester(request));
    if (result.outcome === 'invalid') return stagePage(reply, state, result.errors);
    await finish(request, 'flow');
    if (result.outcome === 'refused') return message(reply, t('reset.heading'), t(`refused.${result.refusal}`));
    const done = ctx.policy.reset.mustChangeAfterReset ? t('reset.doneMustChange') : t('reset.done');
    return message(reply, t('reset.heading'), result.wasLocked ? `${done} ${t('reset.doneUnlocked')}` : done, 'success');
  });

  app.post('/unlock/confirm', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = flow(request, 'unlock');
    const result = await completeUnlock(ctx, state, requester(request));
    await finish(request, 'flow');
    if (result.outcome === 'refused') return message(reply, t('unlock.heading'), t(`refused.${result.refusal}`));
    return message(reply, t('unlock.heading'), result.outcome === 'done' && !result.wasLocked ? t('unlock.doneNotLocked') : t('unlock.done'), 'success');
  });

  // Change -------------------------------------------------------------------------------------
  app.get('/change', (request, reply) => form(reply, 'change', { values: prefilled(request) }));

  app.post('/change', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body;
    const values = { username: text(body, 'username'), domain: text(body, 'domain', 64) };
    const result = await changePassword(
      ctx,
      {
        name: values.username,
        domain: values.domain || undefined,
        oldPassword: secret(body, 'oldPassword'),
        newPassword: secret(body, 'newPassword'),
        confirm: secret(body, 'confirm'),
        honeypot: text(body, HONEYPOT),
      },
      requester(request),
    );
    if (result.outcome === 'invalid') return form(reply, 'change', { values, errors: result.errors });
    return message(reply, t('change.heading'), t('change.done'), 'success');
  });
}
