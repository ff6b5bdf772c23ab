/**
 * The admin console (/admin): sign-in for members of the admin group, the dashboard, and (in
 * their own plugins) the settings and the audit viewer. Every request re-checks the admin's
 * membership; the work is the flows' (src/flows/admin/), this file reads requests and renders.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../../field-errors.ts';
import type { AdminContext } from '../../flows/admin/context.ts';
import { dashboard, dashboardDays } from '../../flows/admin/dashboard.ts';
import { CHART } from '../../flows/admin/dashboard-chart.ts';
import { AdminPageNotFound } from '../../flows/admin/settings.ts';
import { type AdminSession, activeAdmin, signInToAdmin } from '../../flows/admin/sign-in.ts';
import { csrfField, queryText, readForm, readQuery, typedValues } from '../form-schema.ts';
import { HONEYPOT, pageKit, requester } from '../page-kit.ts';

const daysQuery = z.object({ days: queryText(16) });

import { adminAuditRoutes } from './admin-audit.ts';
import { adminSettingsRoutes } from './admin-settings.ts';

export interface AdminOptions {
  admin: AdminContext;
}

/** The sign-in form: the lengths the public sign-in pages cut to, refused here instead. */
const signInBody = z.strictObject({
  _csrf: csrfField,
  [HONEYPOT]: z.string().max(256).optional(),
  username: z.string().max(256).optional(),
  domain: z.string().max(64).optional(),
  password: z.string().max(512).optional(),
});

export async function adminRoutes(app: FastifyInstance, { admin: ctx }: AdminOptions) {
  const { t } = ctx;
  const { form, message, advance, finish } = pageKit(t);
  // The admin signed in to the request's session, checked again (idle time, group membership).
  const admin = (request: FastifyRequest): Promise<AdminSession> => activeAdmin(ctx, request.session.get('admin'));
  const signInPage = (reply: FastifyReply, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) =>
    form(reply, 'sign-in', { action: '/admin/sign-in', heading: t('admin.heading'), intro: t('admin.signInIntro'), values, errors }, status);

  app.get('/admin', async (request, reply) => {
    if (!request.session.get('admin')) return signInPage(reply);
    const session = await admin(request);
    const days = dashboardDays(Number(readQuery(daysQuery, request.query).days));
    return form(reply, 'admin-dashboard', { session, days, board: await dashboard(ctx, days), chartBox: CHART });
  });

  app.post('/admin/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = readForm(signInBody, request.body);
    if (!body.ok) return signInPage(reply, typedValues(request.body, ['username', 'domain']), body.errors, 400);
    const { username = '', domain = '', password = '', [HONEYPOT]: honeypot = '' } = body.values;
    const result = await signInToAdmin(ctx, ctx.adminAudit, { name: username, domain: domain || undefined, password, honeypot }, requester(request));
    if (!result.ok) return signInPage(reply, { username, domain }, [{ field: 'password', code: result.error.code }]);
    await advance(request, 'admin', result.session);
    return reply.redirect('/admin', 303);
  });

  app.post('/admin/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await finish(request, 'admin');
    return message(reply, t('admin.heading'), t('account.signedOut'));
  });

  await app.register(adminSettingsRoutes, { admin: ctx });
  await app.register(adminAuditRoutes, { admin: ctx });

  // Any other page under /admin: signed-in admins learn that it does not exist.
  app.get('/admin/*', async (request) => {
    await admin(request);
    throw AdminPageNotFound({ page: request.url.split('?')[0]! });
  });
}
