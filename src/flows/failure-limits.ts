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

/** The portal lockout's counter for an account's objectGUID or a name key (the helpdesk reads and clears it). */
export const portalLockoutKey = (id: string) => `answers:${id}`;
const runKey = (id: string) => `failure-run:${id}`;
const addressKey = (ip: string) => `failures-ip:${ip}`;

/** The ids failures are counted under: the account's objectGUID (when there is one) and the name key. */
export function failureIds(subject: FailureSubject): string[] {
  return subject.user ? [subject.user.guid, subject.nameKey] : [subject.nameKey];
}

/** Whether a bound is already reached for this subject or this address; checked before an answer or code is looked at. */
export async function stopped(ctx: FlowContext, subject: FailureSubject, requester: Requester): Promise<Stop | null> {
  const { portalLockout, maxConsecutiveFailures, perIp } = ctx.policy.protection;
  const now = ctx.now();
  for (const id of failureIds(subject)) {
    if ((await ctx.store.throttle.peek(runKey(id), now)) >= maxConsecutiveFailures) return 'paused';
    if ((await ctx.store.throttle.peek(portalLockoutKey(id), now)) >= portalLockout.maxWrongAnswers) return 'portal-lockout';
  }
  if ((await ctx.store.throttle.peek(addressKey(requester.ip), now)) >= perIp.max) return 'address';
  return null;
}

/** Counts one wrong answer or code; the bound this failure reached, if any. */
export async function countFailure(ctx: FlowContext, subject: FailureSubject, requester: Requester): Promise<Stop | null> {
  const { portalLockout, maxConsecutiveFailures, perIp } = ctx.policy.protection;
  const now = ctx.now();
  let stop: Stop | null = null;
  for (const id of failureIds(subject)) {
    if ((await ctx.store.throttle.hit(runKey(id), DAY_MS, now, { renew: true })) >= maxConsecutiveFailures) stop = 'paused';
    const wrong = await ctx.store.throttle.hit(portalLockoutKey(id), portalLockout.coolDownMinutes * 60_000, now);
    if (wrong >= portalLockout.maxWrongAnswers) stop ??= 'portal-lockout';
  }
  if ((await ctx.store.throttle.hit(addressKey(requester.ip), perIp.windowMinutes * 60_000, now)) >= perIp.max) stop ??= 'address';
  return stop;
}

/** After a passed verification or a new enrollment: the run of failures under `ids` is over (the address's count stays). */
export async function clearFailures(ctx: FlowContext, ids: string[]): Promise<void> {
  for (const id of ids) {
    await ctx.store.throttle.reset(runKey(id));
    await ctx.store.throttle.reset(portalLockoutKey(id));
  }
}
