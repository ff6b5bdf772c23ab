/**
 * A signed-in user's passkeys (/me/passkeys): register one (options with the challenge kept in
 * the server-side session, then the browser's answer checked), see them with when each was added
 * and last used, rename and remove them. Every change, and every refused registration, is audited.
 */
import type { RegistrationResponseJSON, VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { z } from 'zod';
import { type AuditAction, type AuditOutcome, actorOf } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import type { FieldError } from '../field-errors.ts';
import { pageFormats } from '../i18n/page-language.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { challengeLive, credentialTag, newChallenge, requireRelyingParty, SUPPORTED_ALGORITHMS } from './passkeys.ts';

/** The account a passkey is for. */
export type PasskeyOwner = Pick<DirectoryUser, 'guid' | 'samAccountName' | 'displayName'>;

/** A registration begun: kept in the server-side session until the browser's answer comes. */
export interface PendingPasskey {
  challenge: string;
  /** The account it was begun for: an answer is only taken for the same account. */
  userGuid: string;
  expiresAt: number;
}

/** What the page shows of a passkey. */
export interface PasskeyView {
  id: string;
  name: string;
  addedAt: number;
  lastUsedAt: number | null;
  /** Synced to the owner's other devices by their password manager. */
  synced: boolean;
}

/** Longest passkey name. */
export const NAME_MAX = 64;

/** A name as typed: trimmed; control characters and over-long names refused. */
function nameErrors(name: string): FieldError[] {
  if (name.length > NAME_MAX) return [{ field: 'name', code: 'LK_VALUE_TOO_LONG', params: { max: NAME_MAX } }];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character in a name is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return [{ field: 'name', code: 'LK_VALUE_INVALID' }];
  return [];
}

function record(ctx: FlowContext, user: PasskeyOwner, requester: Requester, action: AuditAction, outcome: AuditOutcome, detail: string) {
  return ctx.audit.record({ ...actorOf(user), action, outcome, sourceIp: requester.ip, detail });
}

/** `user`'s passkeys, oldest first. */
export async function listPasskeys(ctx: FlowContext, user: PasskeyOwner): Promise<PasskeyView[]> {
  return (await ctx.store.passkeys.list(user.guid)).map((key) => ({
    id: key.credentialId,
    name: key.name,
    addedAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    synced: key.multiDevice,
  }));
}

/**
 * Options for navigator.credentials.create: a discoverable credential (so reset can ask for a
 * passkey before knowing whose), user verification required, the user's passkeys excluded so
 * one authenticator does not register twice. The session keeps `pending`.
 */
export async function beginPasskeyRegistration(ctx: FlowContext, user: PasskeyOwner): Promise<{ options: Record<string, unknown>; pending: PendingPasskey }> {
  const rp = requireRelyingParty(ctx);
  const challenge = newChallenge(ctx);
  const existing = await ctx.store.passkeys.list(user.guid);
  const { generateRegistrationOptions } = await import('@simplewebauthn/server'); // loaded when first needed, as in passkeys.ts
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.samAccountName,
    userDisplayName: user.displayName ?? user.samAccountName,
    // The same handle for every passkey of an account: an authenticator keeps one per account.
    userID: new TextEncoder().encode(user.guid),
    // As bytes: the library would take a string as UTF-8 text and encode it again.
    challenge: Buffer.from(challenge, 'base64url'),
    attestationType: 'none',
    excludeCredentials: existing.map((key) => ({ id: key.credentialId, transports: key.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    timeout: 2 * 60_000,
  });
  return { options: { ...options }, pending: { challenge, userGuid: user.guid, expiresAt: ctx.now() + 5 * 60_000 } };
}

/** The name a passkey gets when none is typed, e.g. "Passkey added 4 Dec 2026". */
export function defaultPasskeyName(ctx: FlowContext): string {
  const date = pageFormats(ctx.policy.ui.language).date(ctx.now());
  return ctx.t('passkeys.defaultName', { date });
}

const registrationSchema = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: z.string().max(4096),
    attestationObject: z.string().max(8192),
    transports: z.array(z.string().max(32)).max(8).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** The browser's answer as posted (JSON text); null when it is not one. */
function readRegistration(text: string): RegistrationResponseJSON | null {
  try {
    const read = registrationSchema.safeParse(JSON.parse(text));
    return read.success ? (read.data as RegistrationResponseJSON) : null;
  } catch {
    return null;
  }
}

export type RegistrationOutcome = { outcome: 'added'; name: string } | { outcome: 'invalid'; errors: FieldError[] };

/**
 * Checks the browser's answer to `pending` (same account, in time, from publicUrl's origin and
 * RP ID, user verified) and stores the passkey under `name` (or the default name). Whatever the
 * outcome, the pending registration is used up by the caller.
 */
export async function finishPasskeyRegistration(
  ctx: FlowContext,
  user: PasskeyOwner,
  pending: PendingPasskey | undefined,
  input: { name: string; response: string },
  requester: Requester,
): Promise<RegistrationOutcome> {
  const name = input.name.trim();
  const errors = nameErrors(name);
  if (errors.length) return { outcome: 'invalid', errors };
  const refuse = async (reason: string) => {
    await record(ctx, user, requester, 'passkey-registered', 'refused', reason);
    return { outcome: 'invalid' as const, errors: [{ field: 'passkey', code: 'LK_PASSKEY_FAILED' }] };
  };
  const rp = requireRelyingParty(ctx);
  if (!pending || pending.userGuid !== user.guid || pending.expiresAt <= ctx.now() || !challengeLive(ctx, pending.challenge))
    return refuse('no registration begun, or it expired');
  const response = readRegistration(input.response);
  if (!response) return refuse('not a passkey answer');
  let verified: VerifiedRegistrationResponse;
  try {
    const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch {
    return refuse(`passkey ${credentialTag(response.id)}: origin, RP ID, challenge or user verification refused`);
  }
  if (!verified.verified) return refuse(`passkey ${credentialTag(response.id)}: not verified`);
  const info = verified.registrationInfo;
  const tag = `passkey ${credentialTag(info.credential.id)}`;
  const stored = {
    credentialId: info.credential.id,
    userGuid: user.guid,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    multiDevice: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    name: name || defaultPasskeyName(ctx),
    createdAt: ctx.now(),
  };
  if (!(await ctx.store.passkeys.add(stored))) return refuse(`${tag}: registered already`);
  await record(ctx, user, requester, 'passkey-registered', 'success', `${tag}${stored.multiDevice ? ', synced' : ''}`);
  notifyOwner(ctx, user, 'factor-added', requester, { factor: 'passkey', name: stored.name });
  return { outcome: 'added', name: stored.name };
}

export type PasskeyChange = { outcome: 'done'; name: string } | { outcome: 'invalid'; errors: FieldError[] };

/** Renames one of `user`'s passkeys; an empty name gives back the default one. */
export async function renamePasskey(ctx: FlowContext, user: PasskeyOwner, id: string, typed: string, requester: Requester): Promise<PasskeyChange> {
  const name = typed.trim();
  const errors = nameErrors(name);
  if (errors.length) return { outcome: 'invalid', errors };
  const final = name || defaultPasskeyName(ctx);
  if (!(await ctx.store.passkeys.rename(user.guid, id, final))) return { outcome: 'invalid', errors: [{ field: 'name', code: 'LK_PASSKEY_NOT_FOUND' }] };
  await record(ctx, user, requester, 'passkey-renamed', 'success', `passkey ${credentialTag(id)}`);
  return { outcome: 'done', name: final };
}

/** The passkey `id` of `user`, for the removal's confirmation; null when it has none such. */
export async function passkeyOf(ctx: FlowContext, user: PasskeyOwner, id: string): Promise<PasskeyView | null> {
  return (await listPasskeys(ctx, user)).find((key) => key.id === id) ?? null;
}

/** Removes one of `user`'s passkeys. */
export async function removePasskey(ctx: FlowContext, user: PasskeyOwner, id: string, requester: Requester): Promise<PasskeyChange> {
  const key = await passkeyOf(ctx, user, id);
  if (!key || !(await ctx.store.passkeys.remove(user.guid, id))) return { outcome: 'invalid', errors: [{ field: 'passkey', code: 'LK_PASSKEY_NOT_FOUND' }] };
  await record(ctx, user, requester, 'passkey-removed', 'success', `passkey ${credentialTag(id)}`);
  notifyOwner(ctx, user, 'factor-removed', requester, { factor: 'passkey', name: key.name });
  return { outcome: 'done', name: key.name };
}
