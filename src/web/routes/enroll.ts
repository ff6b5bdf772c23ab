/** Enroll: sign in with the AD password, then choose and answer questions and give addresses for codes. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../../field-errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { type EnrollState, enrollmentAsks, enrollProgress, saveEnrollment, startEnrollment } from '../../flows/enroll.ts';
import { StepOutOfOrder } from '../../flows/verification-state.ts';
import { readForm, secretField, textField, typedValues } from '../form-schema.ts';
import { hiddenAs404 } from '../menu-items.ts';
import { credentialsOf, pageKit, prefilled, requester, toStart } from '../page-kit.ts';

/** Longest question a person may write themselves. */
const QUESTION_MAX = 200;

/** The questions form for `count` slots: question{i} (or custom{i}), answer{i}, and the addresses. */
function questionsForm(count: number) {
  const slots = Array.from({ length: count }, (_, i) => ({
    [`question${i}`]: textField(QUESTION_MAX),
    [`custom${i}`]: textField(QUESTION_MAX),
    [`answer${i}`]: secretField(),
    [`answerConfirm${i}`]: secretField(),
  }));
  return z.object({ ...Object.assign({}, ...slots), email: textField(), mobile: textField(32) } as Record<string, ReturnType<typeof textField>>);
}

/** A question slot's field (question2, custom2, answer2, answerConfirm2): its errors name the question they are about. */
const SLOT_FIELD = /^(?:question|custom|answer|answerConfirm)(\d+)$/;

const aboutQuestion = (errors: FieldError[]) =>
  errors.map((error) => {
    const slot = SLOT_FIELD.exec(error.field);
    return slot ? { ...error, params: { ...error.params, question: Number(slot[1]) + 1 } } : error;
  });

export async function enrollRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  app.addHook('onRequest', hiddenAs404(ctx, 'enroll'));
  const { form, advance, finish, done, donePage } = pageKit(ctx.t);

  const signInPage = (reply: FastifyReply, values: Record<string, unknown>, errors: FieldError[] = []) =>
    form(reply, 'enroll', { values, errors, progress: enrollProgress(ctx.policy, 1) });

  app.get('/enroll', (request, reply) => signInPage(reply, prefilled(request)));

  app.post('/enroll', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials, errors } = credentialsOf(request.body);
    if (errors) return signInPage(reply, values, errors);
    const result = await startEnrollment(ctx, credentials, requester(request));
    if (!result.ok) return signInPage(reply, values, [{ field: 'password', code: result.error.code }]);
    // With an authenticator app bound, a code from it too (enroll-factors.ts), as /me asks.
    if (result.stepUp) {
      await advance(request, 'enrollStepUp', result.stepUp);
      return reply.redirect('/enroll/code', 303);
    }
    await advance(request, 'enroll', result.state);
    return reply.redirect('/enroll/questions', 303);
  });

  function enrollment(request: FastifyRequest): EnrollState {
    const state = request.session.get('enroll');
    if (!state || state.expiresAt < ctx.now()) throw StepOutOfOrder({});
    return state;
  }

  const questionsPage = (reply: FastifyReply, state: EnrollState, values: Record<string, unknown>, errors: FieldError[] = []) => {
    const asks = enrollmentAsks(ctx.policy);
    return form(reply, 'enroll-questions', {
      state,
      values,
      errors: aboutQuestion(errors),
      progress: enrollProgress(ctx.policy, 2),
      // The directory's addresses are offered, not filled in: the work mailbox is out of reach when locked out.
      onFile: { email: state.directoryEmail ?? '', mobile: state.directoryMobile ?? '' },
      questions: ctx.policy.enrollment.questions,
      count: asks.questions,
      custom: ctx.policy.enrollment.customQuestions,
      collectEmail: asks.addresses && ctx.policy.verification.channels.includes('email'),
      // A number is worth asking for only when a text message can be sent to it.
      collectMobile: asks.addresses && ctx.sms !== null && ctx.policy.verification.channels.includes('sms'),
    });
  };

  app.get('/enroll/questions', (request, reply) => {
    const state = request.session.get('enroll');
    return state && state.expiresAt >= ctx.now() ? questionsPage(reply, state, {}) : toStart(reply);
  });

  /** Cancel: the enrollment ends (answers already saved stay), and the start page follows. */
  app.get('/enroll/cancel', async (request, reply) => {
    for (const key of ['enroll', 'enrollStepUp', 'totpBinding', 'recoveryCodes'] as const) if (request.session.get(key)) await finish(request, key);
    return toStart(reply);
  });

  app.get('/enroll/done', (request, reply) => donePage(request, reply, 'enroll'));

  app.post('/enroll/questions', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = enrollment(request);
    const count = enrollmentAsks(ctx.policy).questions;
    const slotIndexes = Array.from({ length: count }, (_, i) => i);
    // Questions and addresses are shown again; answers are not sent back to the browser.
    const typed = typedValues(request.body, ['email', 'mobile', ...slotIndexes.flatMap((i) => [`question${i}`, `custom${i}`])]);
    const read = readForm(questionsForm(count), request.body);
    if (!read.ok) return questionsPage(reply, state, typed, read.errors);
    const fields = read.values as Record<string, string>;
    const answers = slotIndexes.map((i) => ({
      question: fields[`custom${i}`]!.trim() || fields[`question${i}`]!,
      answer: fields[`answer${i}`]!,
      confirm: fields[`answerConfirm${i}`]!,
    }));
    const result = await saveEnrollment(ctx, state, { answers, email: fields.email!, mobile: fields.mobile! }, requester(request));
    if (result.outcome === 'invalid') {
      const values: Record<string, string> = { email: fields.email!, mobile: fields.mobile! };
      answers.forEach((slot, i) => (values[`question${i}`] = slot.question));
      return questionsPage(reply, state, values, result.errors);
    }
    if (!enrollmentAsks(ctx.policy).setUpAfter.length) return done(request, reply, { kind: 'enroll', lines: ['enroll.done'], tone: 'success', next: null });
    // The app and recovery codes are set up next, while the enrollment lasts (enroll-factors.ts).
    await advance(request, 'enroll', { ...state, saved: true });
    return reply.redirect('/enroll/more', 303);
  });
}
