/**
 * Passkeys (WebAuthn) as a verification factor: the assertion a reset or unlock asks for, and
 * its check. The relying party's ID and origin come from server.publicUrl, never from the
 * request, so a forged Host cannot make the portal accept a passkey made for another site.
 * Challenges are sealed with their expiry and answered once, on any instance. The WebAuthn
 * library is loaded at the first ceremony: it is a sixth of an idle portal's memory, and most
 * requests never meet a passkey.
 */
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import { createError } from '../errors.ts';
import type { Passkey } from '../store/passkeys.ts';
import type { FlowContext, Requester } from './context.ts';
import { limitKeys } from './limit-keys.ts';

/** Shown when a passkey did not pass, whatever the reason: the reason is in the audit, not on the page. */
export const PasskeyFailed = createError('LK_PASSKEY_FAILED', 'The passkey could not be checked. Try again, or choose another way.', 400);

/** The portal's public address does not allow passkeys (unset, plain HTTP on a real host, or an IP address). */
export const PasskeysUnavailable = createError(
  'LK_PASSKEYS_UNAVAILABLE',
  'Passkeys cannot be used here: server.publicUrl must be set to an https:// address with a host name. Ask your administrator.',
  503,
);

/** How long a challenge may be answered. */
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** How long the browser lets the person take over the prompt. */
const PROMPT_TIMEOUT_MS = 2 * 60_000;
/** The public-key algorithms accepted: ES256, EdDSA, RS256 (what authenticators make). */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

/** The relying party: this portal as WebAuthn sees it. */
export interface RelyingParty {
  /** The host of server.publicUrl. */
  id: string;
  /** The origin of server.publicUrl: the only one an answer may come from. */
  origin: string;
  name: string;
}

/**
 * server.publicUrl when browsers allow passkeys for it, else null: not set, an IP address (not a
 * valid RP ID), or plain HTTP on anything but localhost (not a secure context).
 */
export function passkeyCapableUrl(publicUrl: string | undefined): URL | null {
  if (!publicUrl) return null;
  const url = new URL(publicUrl);
  const host = url.hostname;
  if (isIP(host.replace(/^\[|\]$/g, ''))) return null;
  const secure = url.protocol === 'https:' || host === 'localhost' || host.endsWith('.localhost');
  return secure ? url : null;
}

/** The relying party from server.publicUrl, or null when browsers would refuse passkeys there. */
export function relyingParty(ctx: Pick<FlowContext, 'policy'>): RelyingParty | null {
  const url = passkeyCapableUrl(ctx.policy.server.publicUrl);
  return url && { id: url.hostname, origin: url.origin, name: ctx.policy.ui.organisation };
}

/** Whether passkeys can be used on this portal at all (see relyingParty). */
export function passkeysAvailable(ctx: Pick<FlowContext, 'policy'>): boolean {
  return relyingParty(ctx) !== null;
}

/** The relying party, or PasskeysUnavailable. */
export function requireRelyingParty(ctx: Pick<FlowContext, 'policy'>): RelyingParty {
  const rp = relyingParty(ctx);
  if (!rp) throw PasskeysUnavailable({});
  return rp;
}

const NONCE_BYTES = 16;
const MAC_BYTES = 16;

function challengeMac(ctx: FlowContext, body: Buffer): Buffer {
  return createHmac('sha256', ctx.keys.passkeyChallenge).update(body).digest().subarray(0, MAC_BYTES);
}

/** A fresh challenge: random, with its expiry, sealed with the server's key (base64url). */
export function newChallenge(ctx: FlowContext): string {
  const body = Buffer.alloc(NONCE_BYTES + 8);
  randomBytes(NONCE_BYTES).copy(body);
  body.writeBigUInt64BE(BigInt(ctx.now() + CHALLENGE_LIFETIME_MS), NONCE_BYTES);
  return Buffer.concat([body, challengeMac(ctx, body)]).toString('base64url');
}

/** Whether `challenge` was issued by this portal and has not expired. */
export function challengeLive(ctx: FlowContext, challenge: string): boolean {
  const raw = Buffer.from(challenge, 'base64url');
  if (raw.length !== NONCE_BYTES + 8 + MAC_BYTES || raw.toString('base64url') !== challenge) return false;
  const body = raw.subarray(0, NONCE_BYTES + 8);
  if (!timingSafeEqual(raw.subarray(NONCE_BYTES + 8), challengeMac(ctx, body))) return false;
  return Number(body.readBigUInt64BE(NONCE_BYTES)) > ctx.now();
}

/** Marks `challenge` answered; true only the first time, on any instance (the answer is single use). */
async function firstAnswer(ctx: FlowContext, challenge: string): Promise<boolean> {
  const fingerprint = createHmac('sha256', ctx.keys.passkeyChallenge).update(`answered\u0000${challenge}`).digest('hex');
  return (await ctx.store.throttle.hit(limitKeys.passkeyChallenge(fingerprint), CHALLENGE_LIFETIME_MS, ctx.now())) === 1;
}

/** A short, non-reversible tag of a credential id for the audit trail (never the id itself). */
export function credentialTag(credentialId: string): string {
  return createHmac('sha256', 'latchkey-passkey').update(credentialId).digest('hex').slice(0, 8);
}

/** Options for navigator.credentials.get, as JSON for @simplewebauthn/browser: the same shape for every name. */
export interface PasskeyRequest {
  /** PublicKeyCredentialRequestOptionsJSON; `challenge` is also kept in the flow state. */
  options: { challenge: string } & Record<string, unknown>;
}

/** Fresh assertion options: discoverable credentials (no allowCredentials), user verification required. */
export async function passkeyRequest(ctx: FlowContext): Promise<PasskeyRequest> {
  const rp = requireRelyingParty(ctx);
  const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    // As bytes: the library would take a string as UTF-8 text and encode it again.
    challenge: Buffer.from(newChallenge(ctx), 'base64url'),
    userVerification: 'required',
    timeout: PROMPT_TIMEOUT_MS,
  });
  return { options: { ...options } };
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/);
/** An assertion as a browser posts it (AuthenticationResponseJSON); bounded, so nothing large is parsed further. */
const assertionSchema = z.object({
  id: base64url.min(1).max(1400),
  rawId: base64url.min(1).max(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url.max(4096),
    authenticatorData: base64url.max(4096),
    signature: base64url.max(1024),
    userHandle: base64url.max(256).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** An assertion read from what was posted (JSON text or an object); null when it is not one. */
function readAssertion(response: unknown): AuthenticationResponseJSON | null {
  let value = response;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const read = assertionSchema.safeParse(value);
  return read.success ? (read.data as AuthenticationResponseJSON) : null;
}

/** A public key no authenticator holds: decoys and strangers' credentials are checked against it, doing the same work. */
let decoyKey: string | undefined;
async function decoyPublicKey(): Promise<string> {
  if (decoyKey) return decoyKey;
  const { isoCBOR } = await import('@simplewebauthn/server/helpers');
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const cose = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, 'base64url')],
    [-3, Buffer.from(jwk.y!, 'base64url')],
  ]);
  decoyKey = Buffer.from(isoCBOR.encode(cose)).toString('base64url');
  return decoyKey;
}

/** Checks the signature (origin, RP ID, challenge, user verification too); the counter is checked by the caller. */
async function signatureHolds(rp: RelyingParty, challenge: string, assertion: AuthenticationResponseJSON, key: Pick<Passkey, 'publicKey' | 'transports'>) {
  try {
    const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
    const result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      // Counter 0 here: the library would only throw on a step back, and the audit must tell a
      // step back (a possible clone) from a bad signature, so the counter is compared afterwards.
      credential: { id: assertion.id, publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64url')), counter: 0, transports: key.transports as never },
    });
    return result.verified ? result.authenticationInfo : null;
  } catch {
    return null;
  }
}

/** Who the check is for, in the audit: the account's name and the request's address. */
export interface PasskeyAttempt {
  sam: string | null;
  requester: Requester;
}

/**
 * Verifies an assertion (AuthenticationResponseJSON, as posted) against the challenge the flow
 * kept: the credential must belong to `accountGuid` (null, a decoy: never passes), its signature
 * verify, user verification be done and its counter move forward. Counting failures is the caller's.
 * `attempt` names the account and address in the audit (absent: "unknown", no address).
 */
export async function verifyPasskey(
  ctx: FlowContext,
  accountGuid: string | null,
  challenge: string,
  response: unknown,
  attempt?: PasskeyAttempt,
): Promise<'accepted' | 'wrong'> {
  const audit = (action: AuditAction, outcome: AuditOutcome, detail: string) =>
    ctx.audit.record({ actor: attempt?.sam ?? null, actorGuid: accountGuid, action, outcome, sourceIp: attempt?.requester.ip ?? '', detail });
  const wrong = async (detail: string) => {
    await audit('passkey-wrong', 'refused', accountGuid ? detail : `decoy: ${detail}`);
    return 'wrong' as const;
  };
  const rp = relyingParty(ctx);
  if (!rp) return wrong('passkeys unavailable: server.publicUrl');
  // Every answer uses the challenge up, whatever comes of it: a replay finds it answered.
  const first = typeof challenge === 'string' && challenge.length <= 128 && (await firstAnswer(ctx, challenge));
  const assertion = readAssertion(response);
  if (!assertion) return wrong('not a passkey answer');
  const stored = await ctx.store.passkeys.get(assertion.id);
  const owned = stored !== null && accountGuid !== null && stored.userGuid === accountGuid;
  const checked = await signatureHolds(rp, challenge, assertion, owned ? stored : { publicKey: await decoyPublicKey(), transports: [] });
  const tag = `passkey ${credentialTag(assertion.id)}`;
  if (!challengeLive(ctx, challenge)) return wrong(`${tag}: challenge not issued here or expired`);
  if (!first) return wrong(`${tag}: challenge answered before`);
  if (!stored) return wrong(`${tag}: not registered`);
  if (!owned) return wrong(`${tag}: registered to another account`);
  if (!checked) return wrong(`${tag}: signature, origin, RP ID or user verification refused`);
  const counter = checked.newCounter;
  if ((counter > 0 || stored.counter > 0) && counter <= stored.counter) {
    await audit('passkey-counter-regressed', 'refused', `${tag}: counter ${counter}, last seen ${stored.counter}: possibly a cloned authenticator`);
    return 'wrong';
  }
  const recorded = await ctx.store.passkeys.recordUse(stored.credentialId, {
    expectedCounter: stored.counter,
    counter,
    backedUp: checked.credentialBackedUp,
    now: ctx.now(),
  });
  if (!recorded) return wrong(`${tag}: used at the same moment elsewhere`);
  await audit('passkey-used', 'success', tag);
  return 'accepted';
}

/** How many passkeys `accountGuid` has registered. */
export async function passkeyCount(ctx: FlowContext, accountGuid: string): Promise<number> {
  return ctx.store.passkeys.count(accountGuid);
}
