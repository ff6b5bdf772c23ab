/**
 * The console's "test" buttons: try the directory, SMTP or SMS settings as typed (before saving)
 * and say what happened in words, or the exact failure; for the reminders, send the admin one
 * reminder worded as typed. The connections are made through the
 * context (TrialConnections), never from the live ones; each test is audited.
 */
import type { z } from 'zod';
import { type RuntimeSection, runtimeSchema } from '../../config/schema.ts';
import { createError } from '../../errors.ts';
import { normalizePhone } from '../../notify/phone.ts';
import type { Requester } from '../context.ts';
import type { AdminContext } from './context.ts';
import { sendTestReminder } from './reminder-preview.ts';
import { wordedErrors } from './setting-words.ts';
import { explain, type SettingsRefused } from './settings.ts';
import { readSectionForm, type SettingsForm } from './settings-form.ts';
import type { AdminSession } from './sign-in.ts';

export const SettingsUntestable = createError<{ problems: string }>(
  'LK_SETTINGS_TEST_INVALID',
  (d) => `These settings cannot be tested until they are valid: ${d.problems}. Correct them and test again.`,
  400,
);

export const TestNumberMissing = createError('LK_SMS_TEST_NUMBER_REQUIRED', 'Type a mobile number to send the test message to, then test again.', 400);

/** What a settings test needs. */
export type SettingsTestContext = Pick<AdminContext, 'settings' | 'trial' | 'adminAudit' | 't' | 'mail' | 'directory' | 'texts' | 'policy' | 'now'>;

/** A test that ran: what happened in words, and whether it failed. */
export interface SettingsTested {
  ok: true;
  tested: string;
  failed: boolean;
  submitted?: Record<string, unknown>;
}

/** `value` as `schema` reads it; a value it refuses throws the issues in words. */
function valid<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw SettingsUntestable({ problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
  return parsed.data;
}

/** Tests `section` with the submitted values (stored secrets fill empty secret fields); reminders: one to `admin`. */
async function trySection(
  ctx: SettingsTestContext,
  admin: AdminSession,
  section: RuntimeSection,
  values: Record<string, unknown> | null,
  testNumber: string,
): Promise<string> {
  const typed = ctx.settings.withStoredSecrets(section, values);
  switch (section) {
    case 'directory': {
      const directory = ctx.trial.directory(valid(runtimeSchema.shape.directory, typed));
      try {
        const info = await directory.domain();
        const hints = info.policyHintsOid ? ctx.t('admin.tested.hints', { oid: info.policyHintsOid }) : ctx.t('admin.tested.noHints');
        return ctx.t('admin.tested.directory', { domain: info.dnsDomain, netbios: info.netbiosDomain, hints });
      } finally {
        await directory.close();
      }
    }
    case 'smtp': {
      const settings = valid(runtimeSchema.shape.smtp, typed);
      if (!settings) return ctx.t('admin.tested.mailOff');
      const mailer = ctx.trial.mailer(settings);
      try {
        await mailer.verify();
        const server = `${settings.host}:${settings.port}`;
        return settings.user ? ctx.t('admin.tested.mailSignedIn', { server, user: settings.user }) : ctx.t('admin.tested.mail', { server });
      } finally {
        mailer.close();
      }
    }
    case 'sms': {
      const settings = valid(runtimeSchema.shape.sms, typed);
      if (!settings) return ctx.t('admin.tested.smsOff');
      if (!testNumber.trim()) throw TestNumberMissing({});
      // Read as every number is (phone.ts), in the default region saved under Phone numbers.
      const to = normalizePhone(testNumber, ctx.settings.current().phone.defaultRegion);
      await ctx.trial.sms(settings).send({ to, body: ctx.t('admin.tested.smsBody') });
      return ctx.t('admin.tested.sms', { to });
    }
    case 'reminders':
      return sendTestReminder(ctx, admin, valid(runtimeSchema.shape.reminders, typed));
    default:
      valid<unknown>(runtimeSchema.shape[section], typed);
      return ctx.t('admin.tested.none');
  }
}

/**
 * Tests `section` as `admin` typed it (SMS: by a message to `testNumber`) without saving
 * anything, and audits the outcome. A form that cannot be read is refused before any test.
 */
export async function testSettings(
  ctx: SettingsTestContext,
  admin: AdminSession,
  section: RuntimeSection,
  form: SettingsForm,
  testNumber: string,
  requester: Requester,
): Promise<SettingsRefused | SettingsTested> {
  const { values, errors } = readSectionForm(section, form);
  const submitted = values ?? undefined;
  if (errors.length) return { ok: false, errors: wordedErrors(ctx.t, section, errors), submitted };
  const record = (outcome: 'success' | 'failure', detail: string) =>
    ctx.adminAudit.record({
      actor: admin.sam,
      actorGuid: admin.guid,
      action: 'settings-test',
      outcome,
      sourceIp: requester.ip,
      detail: `${section}: ${detail}`,
    });
  try {
    const tested = await trySection(ctx, admin, section, values, testNumber);
    await record('success', tested);
    return { ok: true, tested, failed: false, submitted };
  } catch (error) {
    const reason = explain(error);
    await record('failure', reason);
    return { ok: true, tested: reason, failed: true, submitted };
  }
}
