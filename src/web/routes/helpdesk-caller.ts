/**
 * The helpdesk's caller verification: send the account's owner a code to read out, check it,
 * check the code of their authenticator app, or check the answers to their enrolled questions. A pass lets the operator reset for a while.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CALLER_QUESTIONS, checkCallerAnswers, checkCallerCode, checkCallerTotp, sendCallerCode } from '../../flows/caller-verification.ts';
import type { FlowContext } from '../../flows/context.ts';
import { choiceField, FIELD_CODES, readForm, secretField, textField } from '../form-schema.ts';
import { requester } from '../page-kit.ts';
import { helpdeskPages } from './helpdesk-pages.ts';

const channelForm = z.object({ channel: choiceField(['email', 'sms']) });
const codeForm = z.object({ code: textField(32) });
const totpForm = z.object({ totpCode: textField(32) });
const answersForm = z.object(Object.fromEntries(Array.from({ length: CALLER_QUESTIONS }, (_, i) => [`answer${i}`, secretField()])));

export async function helpdeskCallerRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { userPage, target, refusalPage } = helpdeskPages(ctx);
  app.setErrorHandler(refusalPage);
  const csrf = { preHandler: app.csrfProtection };

  app.post('/helpdesk/users/:guid/send-code', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(channelForm, request.body);
    if (!read.ok || !read.values.channel)
      return userPage(reply, request, current, { errors: read.ok ? [{ field: 'channel', code: FIELD_CODES.invalid }] : read.errors });
    await sendCallerCode(ctx, current, guid, read.values.channel, requester(request));
    return userPage(reply, request, current, { codeSent: true });
  });

  app.post('/helpdesk/users/:guid/check-code', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(codeForm, request.body);
    if (!read.ok) return userPage(reply, request, current, { errors: read.errors, codeSent: true });
    const passed = await checkCallerCode(ctx, current, guid, read.values.code, requester(request));
    return userPage(
      reply,
      request,
      current,
      passed ? { notice: t('helpdesk.verified') } : { errors: [{ field: 'code', code: 'LK_CALLER_CODE_WRONG' }], codeSent: true },
    );
  });

  app.post('/helpdesk/users/:guid/check-totp', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(totpForm, request.body);
    if (!read.ok) return userPage(reply, request, current, { errors: read.errors });
    const passed = await checkCallerTotp(ctx, current, guid, read.values.totpCode, requester(request));
    return userPage(reply, request, current, passed ? { notice: t('helpdesk.verified') } : { errors: [{ field: 'totpCode', code: 'LK_CALLER_TOTP_WRONG' }] });
  });

  app.post('/helpdesk/users/:guid/check-answers', csrf, async (request, reply) => {
    const { current, guid } = await target(request);
    const read = readForm(answersForm, request.body);
    if (!read.ok) return userPage(reply, request, current, { errors: read.errors });
    const answers = Array.from({ length: CALLER_QUESTIONS }, (_, i) => (read.values as Record<string, string>)[`answer${i}`] ?? '');
    const passed = await checkCallerAnswers(ctx, current, guid, answers, requester(request));
    return userPage(reply, request, current, passed ? { notice: t('helpdesk.verified') } : { errors: [{ field: 'answer0', code: 'LK_CALLER_ANSWERS_WRONG' }] });
  });
}
