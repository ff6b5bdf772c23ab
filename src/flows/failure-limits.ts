/**
 * Failures, not starts, count against an account: wrong answers and wrong codes. A stranger who
 * starts flows for someone else's name costs the owner nothing; one who guesses wrongly pauses
 * self-service for that account for a while, and the owner is told so plainly, never that a
 * right answer is wrong. Three bounds hold together:
 * - the portal lockout: `maxWrongAnswers` failures in `coolDownMinutes`;
 * - the run: `maxConsecutiveFailures` failures with no success and no quiet day between, after
 *   which self-service pauses for the account until a day passes without another failure;
 * - per source address: `perIp.max` failures in its window, whatever the accounts.
 * Failures count under the account and under the canonical name typed, so a name that no
 * account answers to is counted exactly as a real one would be.
 */
import type { FlowContext, Requester } from './context.ts';
import { limitKeys } from './limit-keys.ts';

/** What failures are counted against: the account (null for a decoy) and the typed name's key. */
export interface FailureSubject {
  user: { guid: string } | null;
  nameKey: string;
}

/** Why self-service stopped taking answers and codes for now. */
export type Stop = 'portal-lockout' | 'paused' | 'address';

const STOPS: readonly string[] = ['portal-lockout', 'paused', 'address'] satisfies Stop[];

/** Whether an outcome is one of the stops. */
export function isStop(outcome: string): outcome is Stop {
  return STOPS.includes(outcome);
}

const DAY_MS = 24 * 60 * 60_000;

const { portalLockout: portalLockoutKey, failureRun: runKey, failuresFromAddress: addressKey } = limitKeys;

/** The ids failures are counted under: the account's objectGUID (when there is one) and the name key. */
export function failureIds(subject: FailureSubject): string[] {
  return subject.user ? [subject.user.guid, subject.nameKey] : [subject.nameKey];
}

/** Whether a bound is already reached for this subject or this address (nothing counted). */
async function stopped(ctx: FlowContext, subject: FailureSubject, requester: Requester): Promise<Stop | null> {
  const { portalLockout, maxConsecutiveFailures, perIp } = ctx.policy.protection;
  const now = ctx.now();
  for (const id of failureIds(subject)) {
    if ((await ctx.store.throttle.peek(runKey(id), now)) >= maxConsecutiveFailures) return 'paused';
    if ((await ctx.store.throttle.peek(portalLockoutKey(id), now)) >= portalLockout.maxWrongAnswers) return 'portal-lockout';
  }
  if ((await ctx.store.throttle.peek(addressKey(requester.ip), now)) >= perIp.max) return 'address';
  return null;
}

/** An answer or code about to be looked at, already counted as if wrong. */
export interface Attempt {
  /** The attempt was right: its count is given back. */
  right(): Promise<void>;
  /** The attempt was wrong: its count stays; the bound it reached, if any. */
  wrong(): Stop | null;
}

/**
 * Counts an attempt before its answer or code is looked at, so that guesses sent at once cannot
 * slip past a bound between a check and a count: an attempt beyond a bound is given back and
 * refused, a right one is given back after the check, a wrong one stays counted. The stop that
 * refuses it, or the attempt.
 */
export async function beginAttempt(ctx: FlowContext, subject: FailureSubject, requester: Requester): Promise<{ stop: Stop } | { attempt: Attempt }> {
  // A refusal while stopped counts nothing: poking a paused account does not prolong the pause.
  const already = await stopped(ctx, subject, requester);
  if (already) return { stop: already };
  const { portalLockout, maxConsecutiveFailures, perIp } = ctx.policy.protection;
  const now = ctx.now();
  const counters: { key: string; count: number; max: number; stop: Stop }[] = [];
  const count = async (key: string, windowMs: number, max: number, stop: Stop, renew = false) =>
    counters.push({ key, count: await ctx.store.throttle.hit(key, windowMs, now, { renew }), max, stop });
  for (const id of failureIds(subject)) {
    await count(runKey(id), DAY_MS, maxConsecutiveFailures, 'paused', true);
    await count(portalLockoutKey(id), portalLockout.coolDownMinutes * 60_000, portalLockout.maxWrongAnswers, 'portal-lockout');
  }
  await count(addressKey(requester.ip), perIp.windowMinutes * 60_000, perIp.max, 'address');
  const giveBack = async () => {
    for (const { key } of counters) await ctx.store.throttle.release(key, ctx.now());
  };
  const beyond = counters.find((counter) => counter.count > counter.max);
  if (beyond) {
    await giveBack();
    return { stop: beyond.stop };
  }
  return {
    attempt: {
      right: giveBack,
      wrong: () => counters.find((counter) => counter.count >= counter.max)?.stop ?? null,
    },
  };
}

/** After a passed verification or a new enrollment: the run of failures under `ids` is over (the address's count stays). */
export async function clearFailures(ctx: FlowContext, ids: string[]): Promise<void> {
  for (const id of ids) {
    await ctx.store.throttle.reset(runKey(id));
    await ctx.store.throttle.reset(portalLockoutKey(id));
  }
}

/**
 * How many more wrong answers or codes the typed name takes before self-service pauses, from the
 * name's own counters alone: they exist for every name, real or not, so a real account and a name
 * no account answers to are told the same number after the same failures.
 */
export async function triesLeft(ctx: FlowContext, subject: Pick<FailureSubject, 'nameKey'>): Promise<number> {
  const { portalLockout, maxConsecutiveFailures } = ctx.policy.protection;
  const now = ctx.now();
  const lockoutLeft = portalLockout.maxWrongAnswers - (await ctx.store.throttle.peek(portalLockoutKey(subject.nameKey), now));
  const runLeft = maxConsecutiveFailures - (await ctx.store.throttle.peek(runKey(subject.nameKey), now));
  return Math.max(0, Math.min(lockoutLeft, runLeft));
}
