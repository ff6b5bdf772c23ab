/**
 * The words of a password-expiry reminder: subject, body and text message in the person's
 * language, from the built-in strings (mail.expiryReminder.*, sms.expiryReminder) or the admin's
 * wording for that language in the reminders settings, with the same {placeholders}. The link
 * goes to the change page at server.publicUrl, the account name filled in.
 */
import type { RemindersSettings } from '../config/reminders-schema.ts';
import { formatsFor } from '../i18n/format.ts';
import { translator } from '../i18n/translate.ts';
import type { FlowContext } from './context.ts';

/** What a reminder says about the account and its password. */
export interface ReminderFacts {
  samAccountName: string;
  displayName: string | null;
  expiresAt: Date;
  /** Whole days left, rounded up: the lead day's own number on the day it is due. */
  daysLeft: number;
}

export interface ReminderMessage {
  subject: string;
  body: string;
  sms: string;
}

/** The page where a person changes a password they know, with their name filled in; '' without a public URL. */
export function changeLink(publicUrl: string | undefined, samAccountName: string): string {
  if (!publicUrl) return '';
  const url = new URL('change', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.searchParams.set('username', samAccountName);
  return url.href;
}

/** The reminder for `facts` in `language` (the portal's default when none), with `texts` as the admin's wording. */
export function reminderMessage(
  ctx: Pick<FlowContext, 'texts' | 'policy'>,
  facts: ReminderFacts,
  language: string | undefined,
  texts: RemindersSettings['texts'] = ctx.policy.reminders.texts,
): ReminderMessage {
  const t = ctx.texts(language);
  const written = language ?? ctx.policy.ui.language;
  const own = texts[written] ?? {};
  const params = {
    organisation: ctx.policy.ui.organisation,
    name: facts.displayName ?? facts.samAccountName,
    account: facts.samAccountName,
    days: facts.daysLeft,
    // "in 1 day", "in 3 Tagen": the language's own plural, which a bare {days} cannot give.
    inDays: new Intl.RelativeTimeFormat(written, { numeric: 'always' }).format(facts.daysLeft, 'day'),
    date: formatsFor(written).dateTime(facts.expiresAt),
    link: changeLink(ctx.policy.server.publicUrl, facts.samAccountName),
  };
  const fill = (key: string, text: string | undefined) => (text === undefined ? t(key, params) : translator({ [key]: text })(key, params));
  return {
    subject: fill('mail.expiryReminder.subject', own.subject),
    body: fill('mail.expiryReminder.body', own.body),
    sms: fill('sms.expiryReminder', own.sms),
  };
}

/** A made-up reminder for the console's preview and test: `days` days left from `now`. */
export function sampleFacts(account: { samAccountName: string; displayName: string | null }, days: number, now: number): ReminderFacts {
  return { ...account, daysLeft: days, expiresAt: new Date(now + days * 86_400_000) };
}
