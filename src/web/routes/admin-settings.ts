/**
 * The console's settings pages (/admin/settings/…): one form per section, validated per field
 * (secrets write-only), tested before saving, effective at once. A form is read through a schema
 * made from the section's fields; the flows (src/flows/admin/settings*.ts) do the rest.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RUNTIME_SECTIONS, type RuntimeSection } from '../../config/schema.ts';
import type { FieldError } from '../../field-errors.ts';
import type { AdminContext } from '../../flows/admin/context.ts';
import { settingLabel } from '../../flows/admin/setting-words.ts';
import { saveSettings, settingsSection, settingsView } from '../../flows/admin/settings.ts';
import { type SettingField, type SettingsForm, sectionFields } from '../../flows/admin/settings-form.ts';
import { testSettings } from '../../flows/admin/settings-test.ts';
import { type AdminSession, activeAdmin } from '../../flows/admin/sign-in.ts';
import type { Translate } from '../../i18n/translate.ts';
import { csrfField, queryText, readForm, readQuery } from '../form-schema.ts';
import { pageKit, requester } from '../page-kit.ts';

const sectionParams = z.object({ section: queryText(64) });

/** The longest value of a one-line field, and of one that spans lines (a pasted certificate, YAML). */
const LINE_MAX = 2048;
const TEXT_MAX = 12_000;
const PREFIX = 'field:';

/** What the settings page shows besides the section's fields. */
interface PageNotes {
  errors?: FieldError[];
  notice?: string;
  tested?: string;
  testFailed?: boolean;
  submitted?: Record<string, unknown>;
}

/** The schema of one field as the form sends it; a value it cannot take is said with the field's label. */
function fieldSchema(field: SettingField, label: string): z.ZodType<string> {
  switch (field.kind) {
    case 'boolean':
      return z.literal('on');
    case 'choice': {
      const options = field.options ?? [];
      return z.string().refine((value) => options.includes(value), { message: 'LK_SETTING_NOT_ALLOWED', params: { label, allowed: options.join(', ') } });
    }
    case 'number':
      return z
        .string()
        .max(40)
        .refine((value) => value.trim() === '' || Number.isFinite(Number(value)), { message: 'LK_SETTING_NOT_A_NUMBER', params: { label } });
    case 'multiline':
    case 'list':
    case 'yaml':
      return z.string().max(TEXT_MAX);
    default:
      return z.string().max(LINE_MAX);
  }
}

/** The schema of a section's form: its fields (`field:` + path), the SMS test number, the CSRF token. */
function formSchema(section: RuntimeSection, t: Translate) {
  const shape: Record<string, z.ZodType<string | undefined>> = { _csrf: csrfField };
  for (const field of sectionFields(section, undefined)) shape[`${PREFIX}${field.path}`] = fieldSchema(field, settingLabel(t, section, field.path)).optional();
  if (section === 'sms') shape.testNumber = z.string().max(64).optional();
  return z.strictObject(shape);
}

type FormSchemas = ReadonlyMap<RuntimeSection, ReturnType<typeof formSchema>>;

/** The submitted form: its fields by path, and the SMS test number; or the fields refused. */
function readSectionForm(
  schemas: FormSchemas,
  section: RuntimeSection,
  body: unknown,
): { ok: true; form: SettingsForm; testNumber: string } | { ok: false; errors: FieldError[] } {
  const parsed = readForm(schemas.get(section)!, body);
  if (!parsed.ok) return parsed;
  const form: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.values)) if (name.startsWith(PREFIX) && value !== undefined) form[name.slice(PREFIX.length)] = value;
  return { ok: true, form, testNumber: parsed.values.testNumber ?? '' };
}

/** The flows name fields by path; the page by `field:` + path. */
const onPage = (errors: FieldError[]) => errors.map((error) => ({ ...error, field: `${PREFIX}${error.field}` }));

export async function adminSettingsRoutes(app: FastifyInstance, { admin: ctx }: { admin: AdminContext }) {
  const { form } = pageKit(ctx.t);
  const schemas: FormSchemas = new Map(RUNTIME_SECTIONS.map((section) => [section, formSchema(section, ctx.t)]));
  const admin = (request: FastifyRequest) => activeAdmin(ctx, request.session.get('admin'));
  const sectionOf = (request: FastifyRequest) => settingsSection(readQuery(sectionParams, request.params).section);

  const settingsPage = async (reply: FastifyReply, session: AdminSession, section: RuntimeSection, notes: PageNotes = {}, status = 200) => {
    const view = await settingsView(ctx, section, notes.submitted);
    return form(reply, 'admin-settings', { session, sections: RUNTIME_SECTIONS, ...view, ...notes }, status);
  };

  app.get('/admin/settings', async (_request, reply) => reply.redirect('/admin/settings/directory', 303));

  app.get('/admin/settings/:section', async (request, reply) => settingsPage(reply, await admin(request), sectionOf(request)));

  app.post('/admin/settings/:section', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const section = sectionOf(request);
    const read = readSectionForm(schemas, section, request.body);
    if (!read.ok) return settingsPage(reply, session, section, { errors: read.errors }, 400);
    const result = await saveSettings(ctx, session, section, read.form, requester(request));
    if (!result.ok) return settingsPage(reply, session, section, { errors: onPage(result.errors), submitted: result.submitted });
    return settingsPage(reply, session, section, { notice: result.notice });
  });

  app.post('/admin/settings/:section/test', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const section = sectionOf(request);
    const read = readSectionForm(schemas, section, request.body);
    if (!read.ok) return settingsPage(reply, session, section, { errors: read.errors }, 400);
    const result = await testSettings(ctx, session, section, read.form, read.testNumber, requester(request));
    if (!result.ok) return settingsPage(reply, session, section, { errors: onPage(result.errors), submitted: result.submitted });
    return settingsPage(reply, session, section, { tested: result.tested, testFailed: result.failed, submitted: result.submitted });
  });
}
