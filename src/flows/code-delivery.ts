/**
 * Sending a one-time code by e-mail or text message: the one path every flow that sends a code
 * takes (reset, unlock and the helpdesk's caller check), so the send caps count them all.
 */
import { createError } from '../errors.ts';
import type { FlowContext } from './context.ts';
import { issueCode } from './one-time-codes.ts';
import { type PlannedSend, type SendCap, takeSendAllowance } from './send-caps.ts';

/** Met only by helpdesk operators: the public pages never say that a cap was reached. */
export const SendCapped = createError(
  'LK_SEND_CAPPED',
  'Too many codes were sent to this person recently, so no code was sent. Verify the caller with their security questions, or try again later.',
  429,
);

/** Which message carries the code: `mail.<kind>.subject`, `mail.<kind>.body` and `sms.<kind>` in the strings. */
export type CodeMessage = 'code' | 'callerCode';

export type Delivery = { outcome: 'sent' } | { outcome: 'capped'; cap: SendCap };

/**
 * Issues a code for `flowId` and sends it to `send.address` in `language`, unless that would
 * exceed a send cap (then nothing is issued or sent). Delivery failures are thrown as the
 * sender's coded errors.
 */
export async function sendCodeMessage(
  ctx: FlowContext,
  flowId: string,
  send: PlannedSend,
  message: CodeMessage,
  params: Record<string, string | number>,
  language: string | undefined,
): Promise<Delivery> {
  const cap = await takeSendAllowance(ctx, send);
  if (cap) return { outcome: 'capped', cap };
  const text = { ...params, code: await issueCode(ctx, flowId, send.accountGuid, send.channel) };
  const t = ctx.texts(language);
  if (send.channel === 'email') {
    await ctx.mail!.send({ to: [send.address], subject: t(`mail.${message}.subject`, text), text: t(`mail.${message}.body`, text) });
  } else {
    await ctx.sms!.send({ to: send.address, body: t(`sms.${message}`, text) });
  }
  return { outcome: 'sent' };
}
