/** Reset: prove who you are (verification-pages.ts), then set a new password, which also unlocks. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FlowContext } from '../../flows/context.ts';
import { completeReset } from '../../flows/reset.ts';
import { readForm, secretField } from '../form-schema.ts';
import { hiddenAs404 } from '../menu-items.ts';
import { pageKit, requester } from '../page-kit.ts';
import { verificationPages } from './verification-pages.ts';

const newPasswordForm = z.object({ password: secretField(), confirm: secretField() });

export async function resetRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  app.addHook('onRequest', hiddenAs404(ctx, 'reset'));
  const { done, donePage } = pageKit(ctx.t);
  const pages = verificationPages(ctx, 'reset');

  app.get('/reset', pages.startPage);
  app.post('/reset', { preHandler: app.csrfProtection }, pages.start);
  app.get('/reset/verify', pages.verify);
  app.get('/reset/cancel', pages.cancel);
  app.post('/reset/answer', { preHandler: app.csrfProtection }, pages.answer);
  app.post('/reset/send', { preHandler: app.csrfProtection }, pages.send);
  app.post('/reset/code', { preHandler: app.csrfProtection }, pages.code);
  app.post('/reset/choose', { preHandler: app.csrfProtection }, pages.choose);
  app.post('/reset/totp', { preHandler: app.csrfProtection }, pages.totp);
  app.post('/reset/recovery', { preHandler: app.csrfProtection }, pages.recovery);
  app.post('/reset/passkey', { preHandler: app.csrfProtection }, pages.passkey);

  app.post('/reset/password', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = pages.flow(request);
    const read = readForm(newPasswordForm, request.body);
    if (!read.ok) return pages.stagePage(reply, state, read.errors);
    const result = await completeReset(ctx, state, read.values, requester(request));
    if (result.outcome === 'invalid') return pages.stagePage(reply, state, result.errors);
    if (result.outcome === 'refused') return done(request, reply, { kind: 'reset', lines: [`refused.${result.refusal}`], tone: 'notice', next: null });
    const changed = ctx.policy.reset.mustChangeAfterReset ? 'reset.doneMustChange' : 'reset.done';
    return done(request, reply, { kind: 'reset', lines: result.wasLocked ? [changed, 'reset.doneUnlocked'] : [changed], tone: 'success', next: 'reset' });
  });
  app.get('/reset/done', (request, reply) => donePage(request, reply, 'reset'));
}
