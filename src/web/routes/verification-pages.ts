/**
 * The steps reset and unlock share, as route handlers: the first step (a name), then the choice
 * of a factor (when the policy offers one) and each factor's pages (the questions, the channel
 * and the code, the authenticator app, a recovery code, a passkey), each posted to its own
 * address and redirected back to the page for where the flow stands. reset.ts and unlock.ts
 * declare the routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FACTORS } from '../../config/factors-schema.ts';
import type { FieldError } from '../../field-errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { isStop, type Stop, triesLeft } from '../../flows/failure-limits.ts';
import { passwordRules } from '../../flows/reset.ts';
import { answerQuestion, checkCode, sendCode, startVerification } from '../../flows/verification.ts';
import { checkAppCode, checkPasskey, chooseFactor, useRecoveryCode } from '../../flows/verification-factors.ts';
import { StepOutOfOrder, type VerificationKind, type VerificationState } from '../../flows/verification-state.ts';
import { flowChoices, flowProgress } from '../../flows/verification-steps.ts';
import { choiceField, readForm, secretField, TEXT_MAX, textField, typedValues } from '../form-schema.ts';
import { HONEYPOT, type PageKit, pageKit, prefilled, requester, toStart } from '../page-kit.ts';

const startForm = z.object({ username: textField(TEXT_MAX), domain: textField(64), [HONEYPOT]: textField() });
const answerForm = z.object({ answer: secretField() });
const channelForm = z.object({ channel: choiceField(['email', 'sms']) });
const codeForm = z.object({ code: textField(32) });
const chooseForm = z.object({ factor: choiceField(FACTORS) });
const recoveryForm = z.object({ code: secretField() });
/** A passkey's assertion (AuthenticationResponseJSON): a few kilobytes at most. */
const passkeyForm = z.object({ response: textField(16_384) });

type OtherFactor = 'totp' | 'recovery' | 'passkey';

/** The error a failed try at each factor's page shows. */
const WRONG: Record<OtherFactor, FieldError> = {
  totp: { field: 'code', code: 'LK_APP_CODE_WRONG' },
  recovery: { field: 'code', code: 'LK_RECOVERY_CODE_WRONG' },
  passkey: { field: 'form', code: 'LK_PASSKEY_FAILED' },
};

/** Reads the form of `factor`'s page and tries it: the outcome, or the fields that could not be read. */
async function tryOtherFactor(ctx: FlowContext, state: VerificationState, factor: OtherFactor, request: FastifyRequest) {
  const by = requester(request);
  if (factor === 'passkey') {
    const read = readForm(passkeyForm, request.body);
    return read.ok ? checkPasskey(ctx, state, read.values.response, by) : { errors: read.errors };
  }
  const read = readForm(factor === 'totp' ? codeForm : recoveryForm, request.body);
  if (!read.ok) return { errors: read.errors };
  return factor === 'totp' ? checkAppCode(ctx, state, read.values.code, by) : useRecoveryCode(ctx, state, read.values.code, by);
}

/** The flow of `kind` in the session, or StepOutOfOrder. */
function flowOf(request: FastifyRequest, kind: VerificationKind): VerificationState {
  const state = request.session.get('flow');
  if (!state || state.kind !== kind) throw StepOutOfOrder({});
  return state;
}

/** Says plainly that self-service stopped for now, and what to do; the same for every name. */
function stoppedText(ctx: FlowContext, stop: Stop): string {
  const { portalLockout, perIp } = ctx.policy.protection;
  const minutes = stop === 'address' ? perIp.windowMinutes : portalLockout.coolDownMinutes;
  return ctx.t(`verify.stopped.${stop}`, { minutes });
}

/** What every page of the flow shows: where it stands (step n of m), and the helpdesk for those who cannot go on. */
function guidance(ctx: FlowContext, kind: VerificationKind, state?: VerificationState) {
  return { progress: flowProgress(ctx, kind, state), helpdeskContact: ctx.policy.help.helpdeskContact };
}

/**
 * A wrong try's error, with how many tries the typed name has left before self-service pauses
 * for it: counted under the name, so the same for a real account and a decoy.
 */
async function wrongTry(ctx: FlowContext, state: VerificationState, error: FieldError): Promise<FieldError[]> {
  return [error, { field: error.field, code: 'LK_TRIES_LEFT', params: { tries: await triesLeft(ctx, state) } }];
}

/** The page for where the flow stands. */
async function renderStage(ctx: FlowContext, form: PageKit['form'], reply: FastifyReply, state: VerificationState, errors: FieldError[]) {
  const { t } = ctx;
  const otherWay = state.stage !== 'choose' && flowChoices(ctx, state).length > 0;
  const common = { kind: state.kind, state, errors, minutes: ctx.policy.codes.lifetimeMinutes, otherWay, ...guidance(ctx, state.kind, state) };
  switch (state.stage) {
    case 'choose':
      return form(reply, 'factor-choice', { ...common, choices: flowChoices(ctx, state) });
    case 'totp':
    case 'recovery':
    case 'passkey':
      return form(reply, `factor-${state.stage}`, common);
    case 'question':
      return form(reply, 'question', {
        ...common,
        question: state.questions[state.questionIndex],
        number: state.questionIndex + 1,
        count: state.questions.length,
      });
    case 'channel':
      return form(reply, 'channel', common);
    case 'code':
      return form(reply, 'code', { ...common, channelName: t(`verify.channelName.${state.codeChannel}`) });
    case 'verified':
      if (state.kind === 'unlock') return form(reply, 'unlock-confirm', common);
      return form(reply, 'new-password', { ...common, rules: await passwordRules(ctx, state) });
  }
}

/**
 * The pages of a flow of `kind` that no form leads to: its first page, the page for where it
 * stands (after a redirect; with no flow, as after Back once it ended, the start page), and
 * Cancel (the flow ends, the start page follows).
 */
function entryAndExit(ctx: FlowContext, kind: VerificationKind) {
  const { form, finish } = pageKit(ctx.t);
  return {
    startPage: (request: FastifyRequest, reply: FastifyReply) => form(reply, 'start', { kind, values: prefilled(request), ...guidance(ctx, kind) }),

    verify(request: FastifyRequest, reply: FastifyReply) {
      const state = request.session.get('flow');
      return state?.kind === kind ? renderStage(ctx, form, reply, state, []) : toStart(reply);
    },

    async cancel(request: FastifyRequest, reply: FastifyReply) {
      if (request.session.get('flow')?.kind === kind) await finish(request, 'flow');
      return toStart(reply);
    },
  };
}

export function verificationPages(ctx: FlowContext, kind: VerificationKind) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);
  const flow = (request: FastifyRequest) => flowOf(request, kind);
  const stoppedPage = (reply: FastifyReply, stop: Stop) => message(reply, t(`${kind}.heading`), stoppedText(ctx, stop));
  const stagePage = (reply: FastifyReply, state: VerificationState, errors: FieldError[] = []) => renderStage(ctx, form, reply, state, errors);

  /** After a step that moved the flow on: a new session id, and the page for the new stage. */
  async function next(request: FastifyRequest, reply: FastifyReply, state: VerificationState) {
    await advance(request, 'flow', state);
    return reply.redirect(`/${kind}/verify`, 303);
  }

  /** A bound was reached: the flow ends, and the page says why. */
  const stopped = async (request: FastifyRequest, reply: FastifyReply, stop: Stop) => {
    await finish(request, 'flow');
    return stoppedPage(reply, stop);
  };

  return {
    flow,
    stagePage,
    ...entryAndExit(ctx, kind),

    async start(request: FastifyRequest, reply: FastifyReply) {
      const read = readForm(startForm, request.body);
      const values = typedValues(request.body, ['username', 'domain']);
      if (!read.ok) return form(reply, 'start', { kind, values, errors: read.errors, ...guidance(ctx, kind) });
      const { username, domain } = read.values;
      if (!username.trim())
        return form(reply, 'start', { kind, values, errors: [{ field: 'username', code: 'LK_USERNAME_REQUIRED' }], ...guidance(ctx, kind) });
      const started = await startVerification(ctx, { kind, name: username, domain: domain || undefined, honeypot: read.values[HONEYPOT] }, requester(request));
      if (!started.ok) return stoppedPage(reply, started.stop);
      return next(request, reply, started.state);
    },

    async answer(request: FastifyRequest, reply: FastifyReply) {
      const state = flow(request);
      const read = readForm(answerForm, request.body);
      if (!read.ok) return stagePage(reply, state, read.errors);
      const outcome = await answerQuestion(ctx, state, read.values.answer, requester(request));
      if (isStop(outcome)) return stopped(request, reply, outcome);
      if (outcome === 'wrong') return stagePage(reply, state, await wrongTry(ctx, state, { field: 'answer', code: 'LK_ANSWER_WRONG' }));
      return next(request, reply, state);
    },

    async send(request: FastifyRequest, reply: FastifyReply) {
      const state = flow(request);
      const read = readForm(channelForm, request.body);
      if (!read.ok) return stagePage(reply, state, read.errors);
      if (!read.values.channel) throw StepOutOfOrder({});
      const sent = await sendCode(ctx, state, read.values.channel, requester(request));
      if (sent.outcome === 'too-soon')
        return stagePage(reply, state, [{ field: 'code', code: 'LK_CODE_RESEND_TOO_SOON', params: { seconds: sent.waitSeconds } }]);
      if (sent.outcome === 'failed') return stagePage(reply, state, [{ field: 'channel', code: sent.error.code }]);
      return next(request, reply, state);
    },

    async code(request: FastifyRequest, reply: FastifyReply) {
      const state = flow(request);
      const read = readForm(codeForm, request.body);
      if (!read.ok) return stagePage(reply, state, read.errors);
      const outcome = await checkCode(ctx, state, read.values.code, requester(request));
      if (isStop(outcome)) return stopped(request, reply, outcome);
      if (outcome === 'locked') {
        await finish(request, 'flow');
        return message(reply, t(`${kind}.heading`), t('verify.locked'));
      }
      if (outcome === 'expired') return stagePage(reply, state, [{ field: 'code', code: 'LK_CODE_EXPIRED' }]);
      if (outcome !== 'accepted') return stagePage(reply, state, await wrongTry(ctx, state, { field: 'code', code: 'LK_CODE_WRONG' }));
      return next(request, reply, state);
    },

    /** The choice page's answer: a factor to take up, or none (back to the choice from a factor's page). */
    async choose(request: FastifyRequest, reply: FastifyReply) {
      const state = flow(request);
      const read = readForm(chooseForm, request.body);
      if (!read.ok) return stagePage(reply, state, read.errors);
      await chooseFactor(ctx, state, read.values.factor || null, requester(request));
      return next(request, reply, state);
    },

    totp: factorTry('totp'),
    recovery: factorTry('recovery'),
    passkey: factorTry('passkey'),
  };

  /** A try at the authenticator app, recovery code or passkey page: on to the next page, the same page with why, or stopped. */
  function factorTry(factor: OtherFactor) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const state = flow(request);
      const outcome = await tryOtherFactor(ctx, state, factor, request);
      if (typeof outcome === 'object') return stagePage(reply, state, outcome.errors);
      if (isStop(outcome)) return stopped(request, reply, outcome);
      if (outcome === 'wrong') return stagePage(reply, state, await wrongTry(ctx, state, WRONG[factor]));
      return next(request, reply, state);
    };
  }
}
