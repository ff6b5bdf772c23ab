/** Unlock: prove who you are (verification-pages.ts), then confirm; the password stays as it is. */
import type { FastifyInstance } from 'fastify';
import type { FlowContext } from '../../flows/context.ts';
import { completeUnlock } from '../../flows/unlock.ts';
import { hiddenAs404 } from '../menu-items.ts';
import { pageKit, requester } from '../page-kit.ts';
import { verificationPages } from './verification-pages.ts';

export async function unlockRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  app.addHook('onRequest', hiddenAs404(ctx, 'unlock'));
  const { done, donePage } = pageKit(ctx.t);
  const pages = verificationPages(ctx, 'unlock');

  app.get('/unlock', pages.startPage);
  app.post('/unlock', { preHandler: app.csrfProtection }, pages.start);
  app.get('/unlock/verify', pages.verify);
  app.get('/unlock/cancel', pages.cancel);
  app.post('/unlock/answer', { preHandler: app.csrfProtection }, pages.answer);
  app.post('/unlock/send', { preHandler: app.csrfProtection }, pages.send);
  app.post('/unlock/code', { preHandler: app.csrfProtection }, pages.code);
  app.post('/unlock/choose', { preHandler: app.csrfProtection }, pages.choose);
  app.post('/unlock/totp', { preHandler: app.csrfProtection }, pages.totp);
  app.post('/unlock/recovery', { preHandler: app.csrfProtection }, pages.recovery);
  app.post('/unlock/passkey', { preHandler: app.csrfProtection }, pages.passkey);

  app.post('/unlock/confirm', { preHandler: app.csrfProtection }, async (request, reply) => {
    const state = pages.flow(request);
    const result = await completeUnlock(ctx, state, requester(request));
    if (result.outcome === 'refused') return done(request, reply, { kind: 'unlock', lines: [`refused.${result.refusal}`], tone: 'notice', next: null });
    const line = result.outcome === 'done' && !result.wasLocked ? 'unlock.doneNotLocked' : 'unlock.done';
    return done(request, reply, { kind: 'unlock', lines: [line], tone: 'success', next: null });
  });
  app.get('/unlock/done', (request, reply) => donePage(request, reply, 'unlock'));
}
