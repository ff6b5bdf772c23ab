/**
 * Enrollment's factors beyond the answers: the code from the authenticator app a user who has one
 * types after the password (as at /me), and, once the answers are saved and while the enrollment
 * lasts, binding an app and making recovery codes with the same pages and flows as /me.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../../field-errors.ts';
import { bindOwnTotp, ownFactors } from '../../flows/account-factors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { checkEnrollStepUp, type EnrollState, enrollmentAsks, enrollProgress } from '../../flows/enroll.ts';
import { generateRecoveryCodes } from '../../flows/recovery-codes.ts';
import { beginTotpBinding, hasTotp, type TotpBindingView, totpBindingView } from '../../flows/totp.ts';
import { StepOutOfOrder } from '../../flows/verification-state.ts';
import { readForm } from '../form-schema.ts';
import { isKiosk } from '../kiosk.ts';
import { pageKit, requester, toStart } from '../page-kit.ts';
import { codeForm, recoveryCodesFile } from './account-factors.ts';

const who = (state: EnrollState) => ({ guid: state.user.guid, sam: state.user.sam });

/** What an enrollment page (some shared with /me) shows at enrollment: the step, and Cancel. */
const inEnrollment = (ctx: FlowContext, step: number) => ({ progress: enrollProgress(ctx.policy, step), cancel: '/enroll/cancel' });

/** The enrollment's state once the answers are saved, and the page listing what else to set up. */
function savedEnrollmentPages(ctx: FlowContext) {
  const { form } = pageKit(ctx.t);
  return {
    /** A live enrollment whose answers are saved: only then are the app and recovery codes offered. */
    saved(request: FastifyRequest): EnrollState {
      const state = request.session.get('enroll');
      if (!state?.saved || state.expiresAt < ctx.now()) throw StepOutOfOrder({});
      return state;
    },

    /** What else to set up, after the answers: the page the last step of enrollment shows. */
    async morePage(reply: FastifyReply, request: FastifyRequest, state: EnrollState, extra: { notice?: string; errors?: FieldError[] } = {}) {
      // Recovery codes are downloadable only right after they were made: leaving their page ends that.
      if (request.session.get('recoveryCodes')) request.session.set('recoveryCodes', undefined);
      const { setUpAfter } = enrollmentAsks(ctx.policy);
      const own = await ownFactors(ctx, { guid: state.user.guid });
      const offer = {
        totp: setUpAfter.includes('totp'),
        totpBound: own.totp,
        recovery: setUpAfter.includes('recovery'),
        recoveryCodesLeft: own.recoveryCodesLeft,
        passkey: setUpAfter.includes('passkey'),
      };
      const paths = { totp: '/enroll/totp', recoveryCodes: '/enroll/recovery-codes', done: '/enroll/done' };
      // A kiosk (a logon-screen browser) has no way out of its own pages: passkeys are for /me.
      return form(reply, 'enroll-more', {
        offer,
        paths,
        atMe: !isKiosk(request),
        notice: extra.notice,
        errors: extra.errors ?? [],
        ...inEnrollment(ctx, 3),
      });
    },
  };
}

export async function enrollFactorRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish, done } = pageKit(t);
  const csrf = { preHandler: app.csrfProtection };
  const { saved, morePage } = savedEnrollmentPages(ctx);

  const codePage = (reply: FastifyReply, errors: FieldError[] = []) =>
    form(reply, 'account-code', { action: '/enroll/code', heading: t('enroll.heading'), errors, ...inEnrollment(ctx, 1) });

  app.get('/enroll/code', (request, reply) => {
    if (!request.session.get('enrollStepUp')) throw StepOutOfOrder({});
    return codePage(reply);
  });

  app.post('/enroll/code', csrf, async (request, reply) => {
    const read = readForm(codeForm, request.body);
    if (!read.ok) return codePage(reply, read.errors);
    const checked = await checkEnrollStepUp(ctx, request.session.get('enrollStepUp'), read.values.code, requester(request));
    if (checked.outcome === 'accepted') {
      await advance(request, 'enroll', checked.session);
      return reply.redirect('/enroll/questions', 303);
    }
    if (checked.outcome === 'stopped') {
      await finish(request, 'enrollStepUp');
      const { portalLockout, perIp } = ctx.policy.protection;
      const minutes = checked.stop === 'address' ? perIp.windowMinutes : portalLockout.coolDownMinutes;
      return message(reply, t('enroll.heading'), t(`verify.stopped.${checked.stop}`, { minutes }));
    }
    return codePage(reply, [{ field: 'code', code: checked.outcome === 'replayed' ? 'LK_TOTP_CODE_REPLAYED' : 'LK_TOTP_CODE_WRONG' }]);
  });

  app.get('/enroll/more', (request, reply) => (request.session.get('enroll')?.saved ? morePage(reply, request, saved(request)) : toStart(reply)));

  const totpPaths = { confirm: '/enroll/totp/confirm', back: { href: '/enroll/more', text: t('enroll.totpLater') } };
  const bindingPage = async (reply: FastifyReply, state: EnrollState, view: TotpBindingView, errors: FieldError[] = []) =>
    form(reply, 'account-totp', { view, replacing: await hasTotp(ctx, state.user.guid), errors, paths: totpPaths, ...inEnrollment(ctx, 3) });

  app.post('/enroll/totp', csrf, async (request, reply) => {
    const state = saved(request);
    const { pending, view } = await beginTotpBinding(ctx, who(state));
    request.session.set('totpBinding', pending);
    return bindingPage(reply, state, view);
  });

  app.post('/enroll/totp/confirm', csrf, async (request, reply) => {
    const state = saved(request);
    const pending = request.session.get('totpBinding');
    if (!pending) return morePage(reply, request, state, { errors: [{ field: 'code', code: 'LK_TOTP_BINDING_EXPIRED' }] });
    const read = readForm(codeForm, request.body);
    if (!read.ok) return bindingPage(reply, state, await totpBindingView(ctx, pending), read.errors);
    const outcome = await bindOwnTotp(ctx, who(state), pending, read.values.code, requester(request));
    if (outcome === 'wrong') return bindingPage(reply, state, await totpBindingView(ctx, pending), [{ field: 'code', code: 'LK_TOTP_CODE_WRONG' }]);
    request.session.set('totpBinding', undefined);
    if (outcome === 'expired') return morePage(reply, request, state, { errors: [{ field: 'code', code: 'LK_TOTP_BINDING_EXPIRED' }] });
    return morePage(reply, request, state, { notice: t('totp.boundNotice') });
  });

  app.post('/enroll/recovery-codes', csrf, async (request, reply) => {
    const state = saved(request);
    const codes = await generateRecoveryCodes(ctx, who(state), requester(request));
    request.session.set('recoveryCodes', codes);
    return form(reply, 'account-recovery-codes', {
      codes,
      paths: { download: '/enroll/recovery-codes/download', done: { href: '/enroll/more', text: t('enroll.recoveryCodesDone') } },
      ...inEnrollment(ctx, 3),
    });
  });

  app.post('/enroll/recovery-codes/download', csrf, async (request, reply) => {
    const state = saved(request);
    const codes = request.session.get('recoveryCodes');
    if (!codes) return morePage(reply, request, state, { errors: [{ field: 'recoveryCodes', code: 'LK_RECOVERY_CODES_SHOWN_ONCE' }] });
    return recoveryCodesFile(ctx, request, reply, codes, state.user.sam);
  });

  app.post('/enroll/done', csrf, async (request, reply) => {
    saved(request);
    for (const key of ['totpBinding', 'recoveryCodes'] as const) request.session.set(key, undefined);
    return done(request, reply, { kind: 'enroll', lines: ['enroll.done'], tone: 'success', next: null });
  });
}
