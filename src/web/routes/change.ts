/** Change: a person who knows their password sets a new one, without signing in first. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { changePassword } from '../../flows/change.ts';
import type { FlowContext } from '../../flows/context.ts';
import { readForm, secretField, textField, typedValues } from '../form-schema.ts';
import { hiddenAs404 } from '../menu-items.ts';
import { HONEYPOT, pageKit, prefilled, requester } from '../page-kit.ts';

const changeForm = z.object({
  username: textField(),
  domain: textField(64),
  oldPassword: secretField(),
  newPassword: secretField(),
  confirm: secretField(),
  [HONEYPOT]: textField(),
});

export async function changeRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  app.addHook('onRequest', hiddenAs404(ctx, 'change'));
  const { form, done, donePage } = pageKit(ctx.t);

  app.get('/change', (request, reply) => form(reply, 'change', { values: prefilled(request) }));

  app.post('/change', { preHandler: app.csrfProtection }, async (request, reply) => {
    const values = typedValues(request.body, ['username', 'domain']);
    const read = readForm(changeForm, request.body);
    if (!read.ok) return form(reply, 'change', { values, errors: read.errors });
    const { username, domain, oldPassword, newPassword, confirm } = read.values;
    const input = { name: username, domain: domain || undefined, oldPassword, newPassword, confirm, honeypot: read.values[HONEYPOT] };
    const result = await changePassword(ctx, input, requester(request));
    if (result.outcome === 'invalid') return form(reply, 'change', { values, errors: result.errors, rules: result.rules });
    return done(request, reply, { kind: 'change', lines: ['change.done'], tone: 'success', next: 'password' });
  });
  app.get('/change/done', (request, reply) => donePage(request, reply, 'change'));
}
