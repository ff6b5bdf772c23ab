/**
 * Recovery codes as a verification factor: a set of ten, each 13 characters from an alphabet
 * without look-alikes (over 64 bits of randomness), shown once when made and kept only as keyed
 * hashes. Each passes once; a new set replaces the old; using one tells the owner how many are
 * left, so a code used by someone else does not go unnoticed.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { AuditOutcome, AuditRecorder } from '../audit/recorder.ts';
import { createError } from '../errors.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';

/** What a page says when redeemRecoveryCode answered 'wrong'. */
export const RecoveryCodeWrong = createError('LK_RECOVERY_CODE_WRONG', 'That recovery code is not right, or was used already. Each code works once.', 400);

/** How many codes a set holds. */
export const RECOVERY_CODE_COUNT = 10;
/** Digits and small letters without 0/o, 1/l/i: 31 symbols, so 13 of them carry 64.4 bits. */
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const LENGTH = 13;
/** The objectGUID a decoy's update uses: AD never gives it to an account. */
const DECOY_GUID = '00000000-0000-0000-0000-000000000000';

/** A new code as shown: `xxxx-xxxx-xxxxx`. */
function newCode(): string {
  const characters = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8)}`;
}

/** A typed code as it is hashed: any case, dashes and spaces ignored. */
function normalized(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]+/g, '');
}

/**
 * The stored form of a code: HMAC-SHA-256 under a server key, bound to the account. A slow hash
 * (argon2) protects guessable secrets such as answers; a code with 64 random bits cannot be
 * guessed offline even with the hash, so a keyed hash is enough, and keeps redeeming one
 * indexed UPDATE.
 */
function codeHash(ctx: FlowContext, accountGuid: string, typed: string): string {
  return createHmac('sha256', ctx.keys.recoveryCode)
    .update(`${accountGuid}:${normalized(typed)}`)
    .digest('base64url');
}

/** Audits a recovery-code event of `user` on `recorder` (the self-service trail unless given); never the code. */
export function recordRecoveryCodes(
  ctx: FlowContext,
  user: { guid: string; sam: string } | null,
  action: 'recovery-codes-generated' | 'recovery-code-used' | 'recovery-code-wrong' | 'recovery-codes-cleared',
  outcome: AuditOutcome,
  requester: Requester,
  detail?: string,
  recorder: AuditRecorder = ctx.audit,
): Promise<void> {
  return recorder.record({ actor: user?.sam ?? null, actorGuid: user?.guid ?? null, action, outcome, sourceIp: requester.ip, ...(detail ? { detail } : {}) });
}

/** Makes a new set for `user`, replacing (and so invalidating) the old one; the codes are returned once, never kept. Audited. */
export async function generateRecoveryCodes(ctx: FlowContext, user: { guid: string; sam: string }, requester: Requester): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await ctx.store.recoveryCodes.replace({ userGuid: user.guid, codeHashes: codes.map((code) => codeHash(ctx, user.guid, code)), now: ctx.now() });
  await recordRecoveryCodes(ctx, user, 'recovery-codes-generated', 'success', requester, `${codes.length} codes; the set before is void`);
  notifyOwner(ctx, user, 'factor-added', requester, { factor: 'recovery' });
  return codes;
}

/** How many unused recovery codes `accountGuid` has (0: none generated, or all used). */
export async function recoveryCodesLeft(ctx: FlowContext, accountGuid: string): Promise<number> {
  return ctx.store.recoveryCodes.left(accountGuid);
}

/**
 * Redeems a typed recovery code: single use; `account` null (a decoy) does the same work and
 * never passes. On success the owner is notified with the number left. Counting failures is the
 * caller's (failure-limits.ts).
 */
export async function redeemRecoveryCode(
  ctx: FlowContext,
  account: { guid: string; sam: string } | null,
  code: string,
  requester: Requester,
): Promise<{ outcome: 'accepted'; remaining: number } | { outcome: 'wrong' }> {
  const guid = account?.guid ?? DECOY_GUID;
  const used = await ctx.store.recoveryCodes.use({ userGuid: guid, codeHash: codeHash(ctx, guid, code), now: ctx.now() });
  if (!account || !used) {
    await recordRecoveryCodes(ctx, account, 'recovery-code-wrong', 'refused', requester, account ? undefined : 'decoy');
    return { outcome: 'wrong' };
  }
  const remaining = await ctx.store.recoveryCodes.left(account.guid);
  await recordRecoveryCodes(ctx, account, 'recovery-code-used', 'success', requester, `${remaining} left`);
  notifyOwner(ctx, account, 'recovery-code-used', requester, { remaining });
  return { outcome: 'accepted', remaining };
}
