/**
 * The authenticator app (TOTP, RFC 6238) as a verification factor: SHA-1, 6 digits, 30-second
 * steps, which every app supports. The secret is made here, shown once as a QR code (inline SVG
 * drawn on the server) and as text, kept only in the server-side session until the first code
 * proves the app has it, and then stored sealed under the master key. A code passes within one
 * step of clock skew either way, and only once: the step it belongs to is recorded in the
 * database, so a replay is refused on every instance. The QR code library is loaded when an app
 * is first set up, not at start.
 */
import { Secret, TOTP } from 'otpauth';
import type { AuditOutcome, AuditRecorder } from '../audit/recorder.ts';
import { totpSecretName } from '../store/totp.ts';
import type { FlowContext, Requester } from './context.ts';

/** A binding in progress, kept in the signed-in session until the first code is typed. */
export interface PendingTotp {
  /** The new secret, base32; only in the server-side session, never stored readable. */
  secret: string;
  /** The otpauth:// URI the QR code carries. */
  uri: string;
  expiresAt: number;
}

/** What the binding page shows: the QR code as inline SVG and the secret as text. */
export interface TotpBindingView {
  qrSvg: string;
  secretText: string;
}

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Steps of clock skew accepted either way. */
const WINDOW = 1;
/** 160 bits, the size RFC 4226 recommends for SHA-1. */
const SECRET_BYTES = 20;
/** How long the binding page's secret waits for its first code. */
export const TOTP_BINDING_LIFETIME_MS = 10 * 60_000;

/** A TOTP of `secret` with the parameters every app supports. */
function totpOf(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** The time step `code` belongs to under `secret` at `now`, or null when it is no code of the window. */
function stepOf(secret: string, code: string, now: number): number | null {
  const token = code.replace(/\s+/g, '');
  const delta = TOTP.validate({
    token,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp: now,
    window: WINDOW,
  });
  return delta === null ? null : TOTP.counter({ period: PERIOD_SECONDS, timestamp: now }) + delta;
}

/** When no window reaches `step` any more: its used mark can go then. */
function stepExpiry(step: number): number {
  return (step + WINDOW + 1) * PERIOD_SECONDS * 1000;
}

/** The secret in groups of four, for reading it off the page and typing it into an app. */
function grouped(secret: string): string {
  return secret.match(/.{1,4}/g)!.join(' ');
}

/** Starts binding an authenticator app to `user`; the page shows `view`, the session keeps `pending`. */
export async function beginTotpBinding(ctx: FlowContext, user: { guid: string; sam: string }): Promise<{ pending: PendingTotp; view: TotpBindingView }> {
  const secret = new Secret({ size: SECRET_BYTES }).base32;
  // The app lists the account under the name its owner signs in with.
  const label = (await ctx.directory.getUser(user.guid))?.userPrincipalName ?? user.sam;
  const uri = totpOf(secret, ctx.policy.ui.organisation || 'Latchkey', label).toString();
  const pending = { secret, uri, expiresAt: ctx.now() + TOTP_BINDING_LIFETIME_MS };
  return { pending, view: await totpBindingView(ctx, pending) };
}

/** The binding page's QR code (inline SVG: no script, no outside service) and the secret as text, again (after a wrong code). */
export async function totpBindingView(ctx: FlowContext, pending: PendingTotp): Promise<TotpBindingView> {
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(pending.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const label = ctx.t('totp.qrLabel').replace(/[<>&"]/g, '');
  return { qrSvg: svg.replace('<svg ', `<svg role="img" aria-label="${label}" width="232" height="232" `), secretText: grouped(pending.secret) };
}

/** Audits a step of the authenticator app for `user` on `recorder` (the self-service trail unless given). */
export function recordTotp(
  ctx: FlowContext,
  user: { guid: string; sam: string },
  action: 'totp-bound' | 'totp-removed' | 'totp-used' | 'totp-wrong' | 'totp-replayed',
  outcome: AuditOutcome,
  requester: Requester,
  detail?: string,
  recorder: AuditRecorder = ctx.audit,
): Promise<void> {
  return recorder.record({ actor: user.sam, actorGuid: user.guid, action, outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
}

/**
 * Finishes a binding with the first code from the app: stored (sealed) on success, replacing the
 * app bound before. The caller audits ('totp-bound', 'totp-wrong'), as it knows the requester.
 */
export async function finishTotpBinding(
  ctx: FlowContext,
  user: { guid: string; sam: string },
  pending: PendingTotp,
  code: string,
): Promise<'bound' | 'wrong' | 'expired'> {
  const now = ctx.now();
  if (pending.expiresAt <= now) return 'expired';
  const step = stepOf(pending.secret, code, now);
  if (step === null) return 'wrong';
  await ctx.store.totp.bind({ userGuid: user.guid, sealedSecret: await ctx.secrets.seal(totpSecretName(user.guid), pending.secret), now });
  // The code that proved the binding is spent: someone who saw it typed cannot use it.
  await ctx.store.totp.useStep({ userGuid: user.guid, step, expiresAt: stepExpiry(step) });
  return 'bound';
}

/** Whether `accountGuid` has an authenticator app bound. */
export async function hasTotp(ctx: FlowContext, accountGuid: string): Promise<boolean> {
  return (await ctx.store.totp.get(accountGuid)) !== null;
}

/** Stands in for the secret of an account without one, so that checking costs the same. */
const DECOY_SECRET = new Secret({ size: SECRET_BYTES }).base32;
/** The objectGUID a decoy's lookups use: AD never gives it to an account. */
const DECOY_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * Checks a code from the app. `accountGuid` null (a decoy) does the same work and never passes.
 * One time step of clock skew either way; a step used once is refused ('replayed'), across
 * instances. Counting failures is the caller's (failure-limits.ts).
 */
export async function checkTotpCode(ctx: FlowContext, accountGuid: string | null, code: string): Promise<'accepted' | 'wrong' | 'replayed'> {
  const binding = await ctx.store.totp.get(accountGuid ?? DECOY_GUID);
  const secret = binding ? await ctx.secrets.open(totpSecretName(binding.userGuid), binding.sealedSecret) : DECOY_SECRET;
  const step = stepOf(secret, code, ctx.now());
  if (!binding || step === null) return 'wrong';
  return (await ctx.store.totp.useStep({ userGuid: binding.userGuid, step, expiresAt: stepExpiry(step) })) ? 'accepted' : 'replayed';
}
