/**
 * The console's settings pages: a section's fields (what is stored, or what was just typed;
 * secrets only say whether one is stored), and saving a section as submitted. A save validates
 * the whole section, names each bad field and changes nothing then; a good one takes effect at
 * once and is audited per setting (src/settings/service.ts).
 */
import { RUNTIME_SECTIONS, type RuntimeSection } from '../../config/schema.ts';
import { createError, LatchkeyError } from '../../errors.ts';
import type { FieldError } from '../../field-errors.ts';
import type { Requester } from '../context.ts';
import type { AdminContext } from './context.ts';
import { type ReminderPreview, reminderPreviews } from './reminder-preview.ts';
import { settingHelp, settingLabel, wordedErrors } from './setting-words.ts';
import { readSectionForm, type SettingField, type SettingsForm, sectionFields } from './settings-form.ts';
import { type AdminSession, configuredGroups } from './sign-in.ts';

/** A page of the console that does not exist (a settings section of another name, say). */
export const AdminPageNotFound = createError<{ page: string }>('LK_ADMIN_PAGE_NOT_FOUND', (d) => `The admin console has no page ${d.page}.`, 404);

/** What the settings flows need. */
export type SettingsContext = Pick<AdminContext, 'settings' | 'applySettings' | 'adminGroup' | 'policy' | 't' | 'texts' | 'now'>;

/** What a settings page shows besides the form's errors and notices. */
export interface SettingsView {
  section: RuntimeSection;
  /** Each with its label and help text. */
  fields: (SettingField & { label: string; help: string | null })[];
  /** For the helpdesk section: the groups that grant access, by the DN their SID resolved to. */
  groups: Awaited<ReturnType<typeof configuredGroups>> | null;
  /** For the reminders section: the reminder as the wording on the page makes it, per language. */
  preview: ReminderPreview[] | null;
}

/** A failed save or test: the fields at fault, and the values as typed to show again. */
export interface SettingsRefused {
  ok: false;
  errors: FieldError[];
  submitted?: Record<string, unknown>;
}

/** Whether `name` is a settings section. */
export function isSettingsSection(name: string): name is RuntimeSection {
  return RUNTIME_SECTIONS.some((section) => section === name);
}

/** The section called `name`; a name that is none is LK_ADMIN_PAGE_NOT_FOUND. */
export function settingsSection(name: string): RuntimeSection {
  if (!isSettingsSection(name)) throw AdminPageNotFound({ page: `/admin/settings/${name}` });
  return name;
}

/** The section's fields showing `submitted` (or what is stored); secrets show only whether one is stored. */
export async function settingsView(ctx: SettingsContext, section: RuntimeSection, submitted?: Record<string, unknown>): Promise<SettingsView> {
  const current = ctx.settings.current()[section];
  const stored = sectionFields(section, current);
  const fields = sectionFields(section, submitted ?? current)
    .map((field) => (field.kind === 'secret' ? { ...field, value: '', isSet: stored.find((s) => s.path === field.path)?.isSet ?? false } : field))
    .map((field) => ({ ...field, label: settingLabel(ctx.t, section, field.path), help: settingHelp(ctx.t, section, field.path) }));
  return {
    section,
    fields,
    groups: section === 'helpdesk' ? await configuredGroups(ctx) : null,
    preview: section === 'reminders' ? reminderPreviews(ctx, submitted ?? current) : null,
  };
}

/** An error as the admin reads it: its code and message. */
export function explain(error: unknown): string {
  if (error instanceof LatchkeyError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Saves `section` as submitted by `admin`: in effect at once, every change audited. Refused
 * (nothing saved) when a field cannot be read or a value breaks a rule.
 */
export async function saveSettings(
  ctx: SettingsContext,
  admin: AdminSession,
  section: RuntimeSection,
  form: SettingsForm,
  requester: Requester,
): Promise<SettingsRefused | { ok: true; notice: string }> {
  const { values, errors } = readSectionForm(section, form);
  const submitted = values ?? undefined;
  if (errors.length) return { ok: false, errors: wordedErrors(ctx.t, section, errors), submitted };
  const result = await ctx.settings.save(section, values, { sam: admin.sam, guid: admin.guid, ip: requester.ip });
  if (!result.ok) return { ok: false, errors: wordedErrors(ctx.t, section, result.errors), submitted };
  ctx.applySettings();
  const count = result.changes.length;
  if (result.auditFailed) return { ok: true, notice: ctx.t('admin.saved-not-audited', { count, reason: explain(result.auditFailed) }) };
  return { ok: true, notice: ctx.t(count ? 'admin.saved' : 'admin.unchanged', { count }) };
}
