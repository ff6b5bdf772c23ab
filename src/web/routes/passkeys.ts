/**
 * The signed-in user's passkeys (/me/passkeys): the list, rename and remove (after a confirming
 * page) as plain forms; adding one needs the browser's WebAuthn, so its page carries the options
 * in a data- attribute for src/web/browser/passkeys.js, which posts the browser's answer back in
 * an ordinary form. The challenge is kept in the server-side session from POST /me/passkeys/new.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../../field-errors.ts';
import { activeUser } from '../../flows/account.ts';
import type { FlowContext } from '../../flows/context.ts';
import {
  beginPasskeyRegistration,
  finishPasskeyRegistration,
  listPasskeys,
  NAME_MAX,
  passkeyOf,
  removePasskey,
  renamePasskey,
} from '../../flows/passkey-management.ts';
import { passkeysAvailable } from '../../flows/passkeys.ts';
import { choiceField, readForm, textField } from '../form-schema.ts';
import { pageKit, requester } from '../page-kit.ts';

/** Longest credential id a form carries (base64url of WebAuthn's 1023 bytes). */
const ID_MAX = 1400;
/** Longest browser answer to a registration (attestation "none": a few kilobytes at most). */
const RESPONSE_MAX = 12_000;

const addForm = z.object({ name: textField(NAME_MAX * 4), response: textField(RESPONSE_MAX) });
const renameForm = z.object({ id: textField(ID_MAX), name: textField(NAME_MAX * 4) });
const removeForm = z.object({ id: textField(ID_MAX), confirm: choiceField(['yes']) });

export async function passkeyRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;
  const { form } = pageKit(t);
  const csrf = { preHandler: app.csrfProtection };
  const user = (request: FastifyRequest) => activeUser(ctx, request.session.get('account'));

  async function listPage(reply: FastifyReply, request: FastifyRequest, notes: { notice?: string; errors?: FieldError[] } = {}) {
    const passkeys = await listPasskeys(ctx, await user(request));
    return form(reply, 'account-passkeys', { passkeys, available: passkeysAvailable(ctx), ...notes, errors: notes.errors ?? [] });
  }

  app.get('/me/passkeys', (request, reply) => listPage(reply, request));

  app.post('/me/passkeys/new', csrf, async (request, reply) => {
    const current = await user(request);
    if (!passkeysAvailable(ctx)) return listPage(reply, request, { errors: [{ field: 'passkey', code: 'LK_PASSKEYS_UNAVAILABLE' }] });
    const { options, pending } = await beginPasskeyRegistration(ctx, current);
    request.session.set('passkeyRegistration', pending);
    return form(reply, 'account-passkey-add', { options: JSON.stringify(options) });
  });

  app.post('/me/passkeys/add', csrf, async (request, reply) => {
    const current = await user(request);
    const pending = request.session.get('passkeyRegistration');
    // One answer per registration begun, whatever comes of it.
    request.session.set('passkeyRegistration', undefined);
    const read = readForm(addForm, request.body);
    if (!read.ok) return listPage(reply, request, { errors: read.errors });
    const result = await finishPasskeyRegistration(ctx, current, pending, read.values, requester(request));
    if (result.outcome === 'invalid') return listPage(reply, request, { errors: result.errors });
    return listPage(reply, request, { notice: t('passkeys.addedNotice', { name: result.name }) });
  });

  app.post('/me/passkeys/rename', csrf, async (request, reply) => {
    const current = await user(request);
    const read = readForm(renameForm, request.body);
    if (!read.ok) return listPage(reply, request, { errors: read.errors });
    const result = await renamePasskey(ctx, current, read.values.id, read.values.name, requester(request));
    if (result.outcome === 'invalid') return listPage(reply, request, { errors: result.errors });
    return listPage(reply, request, { notice: t('passkeys.renamedNotice', { name: result.name }) });
  });

  app.post('/me/passkeys/remove', csrf, async (request, reply) => {
    const current = await user(request);
    const read = readForm(removeForm, request.body);
    if (!read.ok) return listPage(reply, request, { errors: read.errors });
    const { id, confirm } = read.values;
    if (confirm !== 'yes') {
      const key = await passkeyOf(ctx, current, id);
      if (!key) return listPage(reply, request, { errors: [{ field: 'passkey', code: 'LK_PASSKEY_NOT_FOUND' }] });
      return form(reply, 'account-passkey-remove', { key });
    }
    const result = await removePasskey(ctx, current, id, requester(request));
    if (result.outcome === 'invalid') return listPage(reply, request, { errors: result.errors });
    return listPage(reply, request, { notice: t('passkeys.removedNotice', { name: result.name }) });
  });
}
