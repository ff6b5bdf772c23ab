/**
 * The account's verification factors (/me): the second step of signing in (a code from the
 * authenticator app), binding, replacing and removing the app, and recovery codes (shown once,
 * downloadable once as a text file). Every page works without script: the QR code is inline SVG.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { activeUser } from '../../flows/account.ts';
import { bindOwnTotp, checkAccountStepUp, removeOwnTotp } from '../../flows/account-factors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { generateRecoveryCodes } from '../../flows/recovery-codes.ts';
import { beginTotpBinding, hasTotp, type TotpBindingView, totpBindingView } from '../../flows/totp.ts';
import { choiceField, readForm, textField } from '../form-schema.ts';
import { pageKit, requester } from '../page-kit.ts';
import { accountPages } from './account.ts';

export const codeForm = z.object({ code: textField(32) });
const confirmForm = z.object({ confirm: choiceField(['yes']) });

export async function accountFactorRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);
  const { profilePage, codePage } = accountPages(ctx);
  const csrf = { preHandler: app.csrfProtection };

  const totpPaths = { confirm: '/me/totp/confirm', back: { href: '/me', text: t('totp.cancel') } };
  const bindingPage = (reply: FastifyReply, view: TotpBindingView, replacing: boolean, errors: { field: string; code: string }[] = []) =>
    form(reply, 'account-totp', { view, replacing, errors, paths: totpPaths });

  app.post('/me/sign-in/code', csrf, async (request, reply) => {
    const read = readForm(codeForm, request.body);
    if (!read.ok) return codePage(reply, read.errors);
    const checked = await checkAccountStepUp(ctx, request.session.get('accountStepUp'), read.values.code, requester(request));
    if (checked.outcome === 'accepted') {
      await advance(request, 'account', checked.session);
      return reply.redirect('/me', 303);
    }
    if (checked.outcome === 'stopped') {
      await finish(request, 'accountStepUp');
      const { portalLockout, perIp } = ctx.policy.protection;
      const minutes = checked.stop === 'address' ? perIp.windowMinutes : portalLockout.coolDownMinutes;
      return message(reply, t('account.signInHeading'), t(`verify.stopped.${checked.stop}`, { minutes }));
    }
    return codePage(reply, [{ field: 'code', code: checked.outcome === 'replayed' ? 'LK_TOTP_CODE_REPLAYED' : 'LK_TOTP_CODE_WRONG' }]);
  });

  app.post('/me/totp', csrf, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const { pending, view } = await beginTotpBinding(ctx, { guid: user.guid, sam: user.samAccountName });
    request.session.set('totpBinding', pending);
    return bindingPage(reply, view, await hasTotp(ctx, user.guid));
  });

  app.post('/me/totp/confirm', csrf, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const pending = request.session.get('totpBinding');
    if (!pending) return profilePage(reply, request, { errors: [{ field: 'code', code: 'LK_TOTP_BINDING_EXPIRED' }] });
    const read = readForm(codeForm, request.body);
    const replacing = await hasTotp(ctx, user.guid);
    if (!read.ok) return bindingPage(reply, await totpBindingView(ctx, pending), replacing, read.errors);
    const outcome = await bindOwnTotp(ctx, { guid: user.guid, sam: user.samAccountName }, pending, read.values.code, requester(request));
    if (outcome === 'wrong') return bindingPage(reply, await totpBindingView(ctx, pending), replacing, [{ field: 'code', code: 'LK_TOTP_CODE_WRONG' }]);
    request.session.set('totpBinding', undefined);
    if (outcome === 'expired') return profilePage(reply, request, { errors: [{ field: 'code', code: 'LK_TOTP_BINDING_EXPIRED' }] });
    return profilePage(reply, request, { notice: t('totp.boundNotice') });
  });

  app.post('/me/totp/remove', csrf, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const read = readForm(confirmForm, request.body);
    if (!read.ok || read.values.confirm !== 'yes') {
      return form(reply, 'account-confirm', {
        action: '/me/totp/remove',
        heading: t('totp.removeHeading'),
        body: t('totp.removeConfirm'),
        button: t('totp.remove'),
      });
    }
    const removed = await removeOwnTotp(ctx, user, requester(request));
    return profilePage(reply, request, { notice: t(removed ? 'totp.removed' : 'account.nothingChanged') });
  });

  app.post('/me/recovery-codes', csrf, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const codes = await generateRecoveryCodes(ctx, { guid: user.guid, sam: user.samAccountName }, requester(request));
    request.session.set('recoveryCodes', codes);
    return form(reply, 'account-recovery-codes', {
      codes,
      paths: { download: '/me/recovery-codes/download', done: { href: '/me', text: t('recoveryCodes.done') } },
    });
  });

  app.post('/me/recovery-codes/download', csrf, async (request, reply) => {
    const user = await activeUser(ctx, request.session.get('account'));
    const codes = request.session.get('recoveryCodes');
    if (!codes) return profilePage(reply, request, { errors: [{ field: 'recoveryCodes', code: 'LK_RECOVERY_CODES_SHOWN_ONCE' }] });
    return recoveryCodesFile(ctx, request, reply, codes, user.samAccountName);
  });
}

/** The one download of recovery codes just made (in /me or at enrollment): afterwards they exist only as hashes. */
export function recoveryCodesFile(ctx: FlowContext, request: FastifyRequest, reply: FastifyReply, codes: string[], account: string) {
  request.session.set('recoveryCodes', undefined);
  const text = [ctx.t('recoveryCodes.fileIntro', { organisation: ctx.policy.ui.organisation, account }), '', ...codes, ''].join('\n');
  return reply.header('content-type', 'text/plain; charset=utf-8').header('content-disposition', 'attachment; filename="recovery-codes.txt"').send(text);
}
