/**
 * The reminders settings page's preview and its "send me a test reminder" button: the reminder
 * as the wording on the page (saved or just typed) makes it, in the portal's language and each
 * language the admin wrote texts for; and one such reminder sent to the signed-in admin's own
 * e-mail address in the directory, never to anyone else.
 */
import { type RemindersSettings, remindersSchema } from '../../config/reminders-schema.ts';
import { createError } from '../../errors.ts';
import { type ReminderMessage, reminderMessage, sampleFacts } from '../expiry-reminder-message.ts';
import type { AdminContext } from './context.ts';
import type { AdminSession } from './sign-in.ts';

export const ReminderTestNoMail = createError(
  'LK_REMINDER_TEST_NO_MAIL',
  'E-mail is not set up, so no reminder can be sent. Fill in the E-mail (SMTP) settings first, then try again.',
  400,
);

export const ReminderTestNoAddress = createError<{ account: string }>(
  'LK_REMINDER_TEST_NO_ADDRESS',
  (d) =>
    `Your account ${d.account} has no e-mail address in the directory, so the test reminder has nowhere to go. Add one (the mail attribute), then try again.`,
  400,
);

/** One language's preview. */
export interface ReminderPreview extends ReminderMessage {
  language: string;
}

/** The reminder for a made-up person, the largest lead day ahead, in the default language and each one with texts. */
export function reminderPreviews(ctx: Pick<AdminContext, 'texts' | 'policy' | 'now' | 't'>, values: unknown): ReminderPreview[] {
  const parsed = remindersSchema.safeParse(values);
  const reminders: RemindersSettings = parsed.success ? parsed.data : ctx.policy.reminders;
  const person = { samAccountName: ctx.t('admin.reminders.sampleAccount'), displayName: ctx.t('admin.reminders.sampleName') };
  const facts = sampleFacts(person, Math.max(...reminders.leadDays), ctx.now());
  const languages = [...new Set([ctx.policy.ui.language, ...Object.keys(reminders.texts)])];
  return languages.map((language) => ({ language, ...reminderMessage(ctx, facts, language, reminders.texts) }));
}

/** Sends one reminder, as `reminders` words it, to `admin`'s own directory address; says where it went. */
export async function sendTestReminder(
  ctx: Pick<AdminContext, 'mail' | 'directory' | 'texts' | 'policy' | 'now'>,
  admin: AdminSession,
  reminders: RemindersSettings,
): Promise<string> {
  if (!ctx.mail) throw ReminderTestNoMail({});
  // The admin may sit outside the search bases: looked up in the whole domain, by objectGUID.
  const user = admin.guid ? await ctx.directory.getUser(admin.guid, [(await ctx.directory.domain()).baseDn]) : null;
  if (!user?.mail) throw ReminderTestNoAddress({ account: admin.sam });
  const lead = Math.max(...reminders.leadDays);
  const message = reminderMessage(ctx, sampleFacts(user, lead, ctx.now()), ctx.policy.ui.language, reminders.texts);
  await ctx.mail.send({ to: [user.mail], subject: message.subject, text: message.body });
  return `a test reminder (${lead} days before expiry) was sent to ${user.mail}`;
}
