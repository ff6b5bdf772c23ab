/**
 * One-time codes as the flows use them: issued for a flow (kept only as a keyed hash, expiring
 * with the configured lifetime) and checked under the lifetime and the wrong-try limit now in force.
 */
import { randomBytes } from 'node:crypto';
import { generateCode, hashCode, normalizeTypedCode } from '../security/codes.ts';
import type { CodeCheck } from '../store/codes.ts';
import type { FlowContext } from './context.ts';

/**
 * Issues a code for `flowId` and returns it (to be sent). A decoy (no user) stores the hash of a
 * value nobody is told, so every guess is wrong, and returns nothing.
 */
export async function issueCode(ctx: FlowContext, flowId: string, userGuid: string, channel: string): Promise<string>;
export async function issueCode(ctx: FlowContext, flowId: string, userGuid: string | null, channel: string): Promise<string | null>;
export async function issueCode(ctx: FlowContext, flowId: string, userGuid: string | null, channel: string): Promise<string | null> {
  const code = generateCode();
  const stored = userGuid ? code : code + randomBytes(8).toString('hex');
  await ctx.store.codes.issue({
    flowId,
    userGuid,
    channel,
    codeHash: hashCode(ctx.keys.codeHash, flowId, stored),
    expiresAt: ctx.now() + ctx.policy.codes.lifetimeMinutes * 60_000,
    now: ctx.now(),
  });
  return userGuid ? code : null;
}

/** Checks what the user typed against the flow's code. */
export function checkTypedCode(ctx: FlowContext, flowId: string, typed: string): Promise<CodeCheck> {
  return ctx.store.codes.check({
    flowId,
    codeHash: hashCode(ctx.keys.codeHash, flowId, normalizeTypedCode(typed)),
    now: ctx.now(),
    maxFailures: ctx.policy.codes.maxFailures,
    maxAgeMs: ctx.policy.codes.lifetimeMinutes * 60_000,
  });
}
