/**
 * What reset and unlock share once verification passed: their outcome, their audit entry, and
 * the notice that tells the owner what was done.
 */
import { type AuditAction, type AuditOutcome, actorOf } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import type { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import { formatsFor } from '../i18n/format.ts';
import type { FlowContext, Requester } from './context.ts';
import { preferredLanguage } from './language-preference.ts';
import type { VerifiedRefusal } from './verification-state.ts';

export type RecoverOutcome =
  | { outcome: 'done'; wasLocked: boolean }
  | { outcome: 'invalid'; errors: FieldError[] }
  | { outcome: 'refused'; refusal: VerifiedRefusal };

export function recordRecovery(ctx: FlowContext, user: DirectoryUser, requester: Requester, action: AuditAction, outcome: AuditOutcome, detail?: string) {
  return ctx.audit.record({ ...actorOf(user), action, outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
}

/**
 * Tells the account's owner, at every address we know, what was done, when and from where, so
 * that a reset they did not make does not go unnoticed. A failed notice is audited, not fatal:
 * the change is already made.
 */
export async function notifyOwner(ctx: FlowContext, user: DirectoryUser, what: 'reset' | 'unlock', requester: Requester): Promise<void> {
  if (!ctx.policy.reset.notifyUser) return;
  await mailOwner(ctx, user, what, {}, requester);
}

/**
 * Mails the owner of `user` the notice `mail.<template>` at the directory's and the enrolled
 * address (each once), with who, when and from where besides `params`. A failed notice is
 * audited and logged, never fatal: what it reports is already done.
 */
export async function mailOwner(
  ctx: FlowContext,
  user: DirectoryUser,
  template: string,
  params: Record<string, string | number>,
  requester: Requester,
): Promise<void> {
  if (!ctx.mail) return;
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const addresses = [...new Map([user.mail, enrollment?.email].filter((a): a is string => !!a).map((a) => [a.toLowerCase(), a])).values()];
  if (!addresses.length) return;
  // The owner's language: the page's when they are the one asking, else the one they last used.
  const language = requester.language ?? (await preferredLanguage(ctx, user.guid));
  const t = ctx.texts(language);
  const all = {
    organisation: ctx.policy.ui.organisation,
    account: user.samAccountName,
    name: user.displayName ?? user.samAccountName,
    when: formatsFor(language ?? ctx.policy.ui.language).dateTime(ctx.now()),
    ip: requester.ip,
    url: ctx.policy.server.publicUrl ?? '',
    ...params,
  };
  try {
    await ctx.mail.send({ to: addresses, subject: t(`mail.${template}.subject`, all), text: t(`mail.${template}.body`, all) });
  } catch (error) {
    await recordRecovery(ctx, user, requester, 'delivery-failed', 'failure', `notice: ${(error as LatchkeyError).code ?? 'error'}`);
    ctx.log.error({ err: error, account: user.samAccountName }, 'could not send the account-change notice');
  }
}
