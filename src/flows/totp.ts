/**
 * The authenticator app (TOTP, RFC 6238) as a verification factor. API agreed between the
 * helpers: the `totp` branch implements it; the bodies here are placeholders until then.
 */
import type { FlowContext } from './context.ts';

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

/** Starts binding an authenticator app to `user`; the page shows `view`, the session keeps `pending`. */
export async function beginTotpBinding(_ctx: FlowContext, _user: { guid: string; sam: string }): Promise<{ pending: PendingTotp; view: TotpBindingView }> {
  throw new Error('not implemented');
}

/** Finishes a binding with the first code from the app: stored (sealed) on success. */
export async function finishTotpBinding(
  _ctx: FlowContext,
  _user: { guid: string; sam: string },
  _pending: PendingTotp,
  _code: string,
): Promise<'bound' | 'wrong' | 'expired'> {
  throw new Error('not implemented');
}

/** Whether `accountGuid` has an authenticator app bound. */
export async function hasTotp(_ctx: FlowContext, _accountGuid: string): Promise<boolean> {
  throw new Error('not implemented');
}

/**
 * Checks a code from the app. `accountGuid` null (a decoy) does the same work and never passes.
 * One time step of clock skew either way; a step used once is refused ('replayed'), across
 * instances. Counting failures is the caller's (failure-limits.ts).
 */
export async function checkTotpCode(_ctx: FlowContext, _accountGuid: string | null, _code: string): Promise<'accepted' | 'wrong' | 'replayed'> {
  throw new Error('not implemented');
}
