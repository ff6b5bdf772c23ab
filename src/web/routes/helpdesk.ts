/**
 * The helpdesk (/helpdesk): sign in, search users within the operator's OUs, see a user (verifying
 * the caller is in helpdesk-caller.ts), and reset, unlock, require or clear a password change, clear an enrollment, a
 * portal lockout or the user's passkeys, remove the authenticator app or clear the recovery codes. Authorisation (membership, scope, protection) is checked on every request by
 * the flows; nothing here relies on hidden buttons.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../../field-errors.ts';
import { CallerNotVerified } from '../../flows/caller-verification.ts';
import type { FlowContext } from '../../flows/context.ts';
import {
  clearEnrollment,
  clearPasskeys,
  clearPortalLockout,
  clearRecoveryCodesForCaller,
  removeTotpForCaller,
  resetForCaller,
  searchUsers,
  setMustChange,
  signInToHelpdesk,
  unlockForCaller,
} from '../../flows/helpdesk.ts';
import { checkboxField, choiceField, readForm, secretField, textField } from '../form-schema.ts';
import { credentialsOf, pageKit, requester } from '../page-kit.ts';
import { helpdeskPages } from './helpdesk-pages.ts';

const searchQuery = z.object({ q: textField(64), after: textField(64) });
const resetForm = z.object({ mode: choiceField(['typed', 'generated']), password: secretField(), confirm: secretField(), mustChange: checkboxField() });
const mustChangeForm = z.object({ on: choiceField(['0', '1']) });

export async function helpdeskRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);

  const { desk, userPage, target, refusalPage } = helpdeskPages(ctx);
  app.setErrorHandler(refusalPage);

  app.get('/helpdesk', async (request, reply) => {
    if (!request.session.get('operator')) {
      return form(reply, 'sign-in', { action: '/helpdesk/sign-in', heading: t('helpdesk.heading'), intro: t('helpdesk.signInIntro'), values: {} });
    }
    const current = await desk(request);
    const read = readForm(searchQuery, request.query);
    if (!read.ok) return form(reply, 'helpdesk-search', { query: '', page: null, operator: current.session, errors: read.errors });
    const query = read.values.q.trim();
    const page = query ? await searchUsers(ctx, current, query, read.values.after || undefined, requester(request)) : null;
    return form(reply, 'helpdesk-search', { query, page, operator: current.session });
  });

  app.post('/helpdesk/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials, errors } = credentialsOf(request.body);
    const signInPage = (fieldErrors: FieldError[]) =>
      form(reply, 'sign-in', { action: '/helpdesk/sign-in', heading: t('helpdesk.heading'), intro: t('helpdesk.signInIntro'), values, errors: fieldErrors });
    if (errors) return signInPage(errors);
    const result = await signInToHelpdesk(ctx, credentials, requester(request));
    if (!result.ok) return signInPage([{ field: 'password', code: result.error.code }]);
    await advance(request, 'operator', result.session);
    return reply.redirect('/helpdesk', 303);
  });

  app.get('/helpdesk/users/:guid', async (request, reply) => userPage(reply, request, await desk(request)));

  const csrf = { preHandler: app.csrfProtection };

  app.post('/helpdesk/users/:guid/reset', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(resetForm, request.body);
    if (!read.ok) return userPage(reply, request, current, { errors: read.errors });
    const { mode, password, confirm, mustChange } = read.values;
    const choice = mode === 'typed' ? { mode: 'typed' as const, password, confirm, mustChange } : { mode: 'generated' as const, mustChange };
    const result = await resetForCaller(ctx, current, guid, choice, requester(request)).catch((error: unknown) => {
      // Said next to the reset form, on the same page: the operator verifies the caller and tries again.
      if (CallerNotVerified.is(error)) return { outcome: 'refused' as const };
      throw error;
    });
    if (result.outcome === 'refused') return userPage(reply, request, current, { errors: [{ field: 'reset', code: CallerNotVerified.code }], status: 403 });
    if (result.outcome === 'invalid') return userPage(reply, request, current, { errors: result.errors });
    return userPage(reply, request, current, { notice: t('helpdesk.resetDone'), ...(result.generated ? { generated: result.generated } : {}) });
  });

  app.post('/helpdesk/users/:guid/unlock', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await unlockForCaller(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.unlocked') });
  });

  app.post('/helpdesk/users/:guid/must-change', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(mustChangeForm, request.body);
    if (!read.ok) return userPage(reply, request, current, { errors: read.errors });
    const on = read.values.on === '1';
    await setMustChange(ctx, current, guid, on, requester(request));
    return userPage(reply, request, current, { notice: t(on ? 'helpdesk.mustChangeSet' : 'helpdesk.mustChangeCleared') });
  });

  app.post('/helpdesk/users/:guid/clear-enrollment', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await clearEnrollment(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.enrollmentCleared') });
  });

  app.post('/helpdesk/users/:guid/clear-passkeys', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await clearPasskeys(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.passkeysCleared') });
  });

  app.post('/helpdesk/users/:guid/clear-lockout', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await clearPortalLockout(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.lockoutCleared') });
  });

  app.post('/helpdesk/users/:guid/remove-totp', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await removeTotpForCaller(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.totpRemoved') });
  });

  app.post('/helpdesk/users/:guid/clear-recovery-codes', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    await clearRecoveryCodesForCaller(ctx, current, guid, requester(request));
    return userPage(reply, request, current, { notice: t('helpdesk.recoveryCodesCleared') });
  });

  app.post('/helpdesk/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await finish(request, 'operator');
    return message(reply, t('helpdesk.heading'), t('account.signedOut'));
  });
}
