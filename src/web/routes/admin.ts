/**
 * The admin console (/admin): sign-in for members of the admin group, the dashboard, the
 * settings (validated per field, secrets write-only, tested before saving, effective at once)
 * and the audit viewer with its exports. Every request re-checks the admin's membership.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditRecorder } from '../../audit/recorder.ts';
import type { CertificateStatus } from '../../certificates/health.ts';
import { type RuntimeSection, RUNTIME_SECTIONS } from '../../config/schema.ts';
import { LatchkeyError } from '../../errors.ts';
import { activeAdmin, type AdminSession, configuredGroups, signInToAdmin } from '../../flows/admin.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { FieldError } from '../../field-errors.ts';
import type { Runtime } from '../../runtime.ts';
import type { Store } from '../../store/store.ts';
import { auditViewerRoutes } from '../admin/audit-viewer.ts';
import { dashboard } from '../admin/dashboard.ts';
import { testSection } from '../admin/settings-test.ts';
import { NotFound } from '../errors.ts';
import { credentialsOf, pageKit, requester } from '../page-kit.ts';
import { readSectionForm, sectionFields } from '../settings-form.ts';

export interface AdminOptions {
  ctx: FlowContext;
  store: Store;
  runtime: Runtime;
  audit: AuditRecorder;
  /** The web and DC certificates' health (cached by the app). */
  certificates: () => Promise<CertificateStatus[]>;
}

export async function adminRoutes(app: FastifyInstance, options: AdminOptions) {
  const { ctx, runtime, audit } = options;
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);
  const admin = (request: FastifyRequest): Promise<AdminSession> => activeAdmin(ctx, request.session.get('admin'));
  const signInPage = (reply: FastifyReply, values: Record<string, string> = {}, errors: FieldError[] = []) =>
    form(reply, 'sign-in', { action: '/admin/sign-in', heading: t('admin.heading'), intro: t('admin.signInIntro'), values, errors });

  app.get('/admin', async (request, reply) => {
    if (!request.session.get('admin')) return signInPage(reply);
    const session = await admin(request);
    const days = Math.min(Math.max(Number((request.query as Record<string, string>).days) || 30, 1), 366);
    return form(reply, 'admin-dashboard', { session, days, board: await dashboard(ctx, options.store, runtime, options.certificates, days) });
  });

  app.post('/admin/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { values, credentials, errors } = credentialsOf(request.body);
    if (errors) return signInPage(reply, values, errors);
    const result = await signInToAdmin(ctx, audit, credentials, requester(request));
    if (!result.ok) return signInPage(reply, values, [{ field: 'password', code: result.error.code }]);
    await advance(request, 'admin', result.session);
    return reply.redirect('/admin', 303);
  });

  app.post('/admin/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await finish(request, 'admin');
    return message(reply, t('admin.heading'), t('account.signedOut'));
  });

  // Settings ----------------------------------------------------------------------------------
  const sectionOf = (request: FastifyRequest): RuntimeSection => {
    const section = (request.params as { section?: string }).section as RuntimeSection;
    if (!RUNTIME_SECTIONS.includes(section)) throw NotFound({});
    return section;
  };

  /** The section's fields showing what was submitted (or what is stored); secrets show only whether one is stored. */
  const formFields = (section: RuntimeSection, submitted?: Record<string, unknown>) => {
    const stored = sectionFields(section, runtime.settings.current()[section]);
    return sectionFields(section, submitted ?? runtime.settings.current()[section]).map((field) =>
      field.kind === 'secret' ? { ...field, value: '', isSet: stored.find((s) => s.path === field.path)?.isSet ?? false } : field,
    );
  };

  const settingsPage = async (reply: FastifyReply, session: AdminSession, section: RuntimeSection, extra: { errors?: FieldError[]; notice?: string; tested?: string; testFailed?: boolean; submitted?: Record<string, unknown> } = {}) =>
    form(reply, 'admin-settings', {
      session,
      section,
      sections: RUNTIME_SECTIONS,
      fields: formFields(section, extra.submitted),
      groups: section === 'helpdesk' ? await configuredGroups(ctx) : null,
      ...extra,
      errors: (extra.errors ?? []).map((error) => ({ ...error, field: `field:${error.field}` })),
    });

  /** An error as the admin reads it: its code and message. */
  const explain = (error: unknown) => (error instanceof LatchkeyError ? `${error.code}: ${error.message}` : (error as Error).message);

  app.get('/admin/settings', async (request, reply) => reply.redirect('/admin/settings/directory', 303));

  app.get('/admin/settings/:section', async (request, reply) => settingsPage(reply, await admin(request), sectionOf(request)));

  app.post('/admin/settings/:section', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const section = sectionOf(request);
    const { values, errors } = readSectionForm(section, request.body as Record<string, unknown>);
    if (errors.length) return settingsPage(reply, session, section, { errors, submitted: values ?? undefined });
    const result = await runtime.settings.save(section, values, { sam: session.sam, guid: session.guid, ip: request.ip });
    if (!result.ok) return settingsPage(reply, session, section, { errors: result.errors, submitted: values ?? undefined });
    runtime.apply();
    if (result.auditFailed) {
      return settingsPage(reply, session, section, { notice: t('admin.saved-not-audited', { count: result.changes.length, reason: explain(result.auditFailed) }) });
    }
    return settingsPage(reply, session, section, { notice: t(result.changes.length ? 'admin.saved' : 'admin.unchanged', { count: result.changes.length }) });
  });

  app.post('/admin/settings/:section/test', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await admin(request);
    const section = sectionOf(request);
    const { values, errors } = readSectionForm(section, request.body as Record<string, unknown>);
    if (errors.length) return settingsPage(reply, session, section, { errors, submitted: values ?? undefined });
    try {
      const outcome = await testSection(runtime, section, values, request.body as Record<string, unknown>);
      await audit.record({ actor: session.sam, actorGuid: session.guid, action: 'settings-test', outcome: 'success', sourceIp: request.ip, detail: `${section}: ${outcome}` });
      return settingsPage(reply, session, section, { tested: outcome, submitted: values ?? undefined });
    } catch (error) {
      const reason = explain(error);
      await audit.record({ actor: session.sam, actorGuid: session.guid, action: 'settings-test', outcome: 'failure', sourceIp: request.ip, detail: `${section}: ${reason}` });
      return settingsPage(reply, session, section, { tested: reason, testFailed: true, submitted: values ?? undefined });
    }
  });

  await app.register(auditViewerRoutes, { ctx, store: options.store, audit, admin });
}
