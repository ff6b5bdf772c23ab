/**
 * Notices of credential changes: after every completed change of a password, an enrollment or a
 * factor, the owner is told what happened, when, from where (or that the helpdesk did it), and
 * what to do if it was not them, so that a change by someone else does not go unnoticed.
 *
 * A notice is sent in the background, after the flow has made its change and shaped its answer:
 * it never delays or fails the person's action, and a page looks and takes the same whether a
 * notice goes out or not. Every notice is audited, sent or failed.
 */
import { actorOf } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import type { LatchkeyError } from '../errors.ts';
import type { Translate } from '../i18n/translate.ts';
import { storedMobile } from '../notify/phone.ts';
import type { FlowContext, Requester } from './context.ts';
import { preferredLanguage } from './language-preference.ts';

/** What happened, one kind per wording (`mail.<template>.*`). */
export type NoticeKind =
  | 'reset'
  | 'unlock'
  | 'change'
  | 'helpdesk-reset'
  | 'helpdesk-unlock'
  | 'helpdesk-cleared'
  | 'enrollment'
  | 'factor-added'
  | 'factor-removed'
  | 'recovery-code-used';

/** The factors a notice can name (`notice.factor.<name>`). */
export type NoticeFactor = 'totp' | 'passkey' | 'passkeys' | 'recovery' | 'recoveryCleared' | 'enrollment';

export interface NoticeFacts {
  /** The factor added, removed or cleared. */
  factor?: NoticeFactor;
  /** The passkey's name, for a passkey added or removed. */
  name?: string;
  /** Recovery codes left, after one was used. */
  remaining?: number;
  /** The helpdesk operator who acted (named in the notice only when the admin allows). */
  operator?: { sam: string; guid: string; displayName: string | null };
  /** An enrolled address the change replaced: told too, since it may be the owner's last. */
  previousEmail?: string | null;
}

/** The owner: read from the directory when only its GUID is at hand. */
export type NoticeOwner = DirectoryUser | { guid: string };

const TEMPLATE: Record<NoticeKind, string> = {
  reset: 'reset',
  unlock: 'unlock',
  change: 'change',
  'helpdesk-reset': 'helpdeskReset',
  'helpdesk-unlock': 'helpdeskUnlock',
  'helpdesk-cleared': 'helpdeskCleared',
  enrollment: 'enrollment',
  'factor-added': 'factorAdded',
  'factor-removed': 'factorRemoved',
  'recovery-code-used': 'recoveryCodeUsed',
};

const HELPDESK_KINDS: ReadonlySet<NoticeKind> = new Set(['helpdesk-reset', 'helpdesk-unlock', 'helpdesk-cleared']);
/** The most serious: also texted when the admin turns that on. */
const RESET_KINDS: ReadonlySet<NoticeKind> = new Set(['reset', 'helpdesk-reset']);

/** Whether the admin wants notices of `kind` sent. */
export function noticeWanted(ctx: Pick<FlowContext, 'policy'>, kind: NoticeKind): boolean {
  const { reset, notices } = ctx.policy;
  if (kind === 'reset' || kind === 'unlock') return reset.notifyUser;
  if (kind === 'change') return notices.change;
  if (HELPDESK_KINDS.has(kind)) return notices.helpdesk;
  if (kind === 'enrollment') return notices.enrollment;
  return notices.factors;
}

/** Notices still being sent, in this process: awaited before the store closes, and by tests. */
const pending = new Set<Promise<void>>();

/**
 * Tells the owner of `owner` about a change of `kind` that was just made, in the background (see
 * the module's comment). `requester` is who made it: the owner, or a helpdesk operator.
 */
export function notifyOwner(ctx: FlowContext, owner: NoticeOwner, kind: NoticeKind, requester: Requester, facts: NoticeFacts = {}): void {
  if (!noticeWanted(ctx, kind)) return;
  const sending = send(ctx, owner, kind, requester, facts).catch((error: unknown) =>
    ctx.log.error({ err: error, kind }, 'could not send the notice of a credential change'),
  );
  pending.add(sending);
  void sending.finally(() => pending.delete(sending));
}

/** Resolves once every notice started so far has been sent or has failed. */
export async function noticesSettled(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

async function send(ctx: FlowContext, owner: NoticeOwner, kind: NoticeKind, requester: Requester, facts: NoticeFacts): Promise<void> {
  // A full directory read carries the addresses (and `state`); anything less is read afresh.
  const user = 'state' in owner ? owner : await ctx.directory.getUser(owner.guid);
  if (!user) return;
  const byHelpdesk = HELPDESK_KINDS.has(kind);
  // An operator's page language is not the owner's.
  const language = (byHelpdesk ? undefined : requester.language) ?? (await preferredLanguage(ctx, user.guid)) ?? ctx.policy.ui.language;
  const t = ctx.texts(language);
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const addresses = distinct([user.mail, enrollment?.email, facts.previousEmail]);
  // What the helpdesk did goes on its trail, the operator as actor; the rest on the owner's.
  const { operator } = facts;
  const who =
    byHelpdesk && operator
      ? {
          actor: operator.sam,
          actorGuid: operator.guid,
          actorName: operator.displayName,
          target: { sam: user.samAccountName, guid: user.guid, name: user.displayName },
        }
      : actorOf(user);
  const trail = byHelpdesk ? ctx.helpdeskAudit : ctx.audit;
  const record = (action: 'notice-sent' | 'delivery-failed' | 'send-no-address', outcome: 'success' | 'failure' | 'refused', detail: string) =>
    trail.record({ ...who, action, outcome, sourceIp: requester.ip, detail: `notice ${kind}: ${detail}` });
  const mobile =
    RESET_KINDS.has(kind) && ctx.policy.notices.smsOnReset ? storedMobile(enrollment?.mobile ?? user.mobile, ctx.policy.phone.defaultRegion) : null;
  if (!addresses.length && !mobile) return void (await record('send-no-address', 'refused', 'no e-mail address on file'));
  const params = noticeParams(ctx, t, language, user, requester, facts, byHelpdesk);
  const template = TEMPLATE[kind];
  if (addresses.length) {
    if (!ctx.mail) await record('delivery-failed', 'failure', 'e-mail is not configured');
    else
      await deliver(
        () => ctx.mail!.send({ to: addresses, subject: t(`mail.${template}.subject`, params), text: t(`mail.${template}.body`, params) }),
        record,
        `e-mail to ${addresses.length} address(es)`,
      );
  }
  if (mobile) {
    if (!ctx.sms) await record('delivery-failed', 'failure', 'text messages are not configured');
    else await deliver(() => ctx.sms!.send({ to: mobile, body: t('sms.notice.reset', params) }), record, 'text message');
  }
}

async function deliver(
  sending: () => Promise<void>,
  record: (action: 'notice-sent' | 'delivery-failed', outcome: 'success' | 'failure', detail: string) => Promise<void>,
  what: string,
): Promise<void> {
  try {
    await sending();
    await record('notice-sent', 'success', what);
  } catch (error) {
    await record('delivery-failed', 'failure', `${what}: ${(error as LatchkeyError).code ?? 'error'}`);
  }
}

const distinct = (addresses: (string | null | undefined)[]) => [
  ...new Map(addresses.filter((address): address is string => !!address).map((address) => [address.toLowerCase(), address])).values(),
];

/** The placeholders every notice may use: who, what, when, from where, and what to do. */
function noticeParams(
  ctx: FlowContext,
  t: Translate,
  language: string,
  user: DirectoryUser,
  requester: Requester,
  facts: NoticeFacts,
  byHelpdesk: boolean,
): Record<string, string | number> {
  const { publicUrl } = ctx.policy.server;
  const { nameOperator } = ctx.policy.notices;
  // The same text the public pages show to people who are stuck.
  const { helpdeskContact } = ctx.policy.help;
  const contact = helpdeskContact ? t('mail.notice.helpdeskAt', { contact: helpdeskContact }) : t('mail.notice.yourHelpdesk');
  const resetUrl = publicUrl ? new URL('/reset', publicUrl).href : '';
  const operator = facts.operator && nameOperator ? t('mail.notice.operatorNamed', { operator: facts.operator.displayName ?? facts.operator.sam }) : '';
  return {
    organisation: ctx.policy.ui.organisation,
    account: user.samAccountName,
    name: user.displayName ?? user.samAccountName,
    when: formatWhen(language, ctx.now()),
    ip: requester.ip,
    url: publicUrl ?? '',
    where: byHelpdesk ? t('mail.notice.byHelpdesk', { operator }) : t('mail.notice.fromAddress', { ip: requester.ip }),
    factor: facts.factor ? t(`notice.factor.${facts.factor}`, { name: facts.name ?? '' }) : '',
    remaining: facts.remaining ?? 0,
    contact,
    ifNotYou: resetUrl ? t('mail.notice.ifNotYou', { resetUrl, contact }) : t('mail.notice.ifNotYouNoLink', { contact }),
  };
}

/** The moment in words of `language`, in UTC (the zone is named, so nobody misreads it). */
function formatWhen(language: string, at: number): string {
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'long', timeZone: 'UTC' }).format(at);
  } catch {
    return new Date(at).toUTCString();
  }
}
