/**
 * Recovery codes as a verification factor. API agreed between the helpers: the `totp` branch
 * implements it; the bodies here are placeholders until then.
 */
import type { FlowContext, Requester } from './context.ts';

/** How many unused recovery codes `accountGuid` has (0: none generated, or all used). */
export async function recoveryCodesLeft(_ctx: FlowContext, _accountGuid: string): Promise<number> {
  throw new Error('not implemented');
}

/**
 * Redeems a typed recovery code: single use; `account` null (a decoy) does the same work and
 * never passes. On success the owner is notified with the number left. Counting failures is the
 * caller's (failure-limits.ts).
 */
export async function redeemRecoveryCode(
  _ctx: FlowContext,
  _account: { guid: string; sam: string } | null,
  _code: string,
  _requester: Requester,
): Promise<{ outcome: 'accepted'; remaining: number } | { outcome: 'wrong' }> {
  throw new Error('not implemented');
}
