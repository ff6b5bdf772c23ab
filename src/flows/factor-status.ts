/**
 * What /me tells a signed-in person about the factors: for the rules that apply to them (their
 * stricter groups', else the default), each factor they could use, whether it is set up, and
 * whether what is set up is enough for reset and unlock.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import { pinnedIdentity } from '../settings/pinned-groups.ts';
import { codeDestinations } from './code-destinations.ts';
import type { FlowContext } from './context.ts';
import { factorChecks } from './factor-checks.ts';
import { type Factor, type FactorRule, factorPolicy, rulesFor, satisfied } from './factor-policy.ts';
import { groupsHeld } from './signed-in.ts';

export interface FactorStatus {
  factors: { factor: Factor; ready: boolean; setUpAt: string }[];
  /** Whether the factors set up meet the rules of reset and of unlock. */
  enough: boolean;
}

/** Where each factor is set up. */
const SET_UP_AT: Record<Factor, string> = {
  questions: '/enroll',
  code: '/enroll',
  totp: '/me/totp',
  passkey: '/me/passkeys',
  recovery: '/me/recovery-codes',
};

export async function factorStatus(ctx: FlowContext, user: DirectoryUser): Promise<FactorStatus> {
  const factors = factorPolicy(ctx.policy);
  const memberOf = await groupsHeld(ctx, user, factors.groups, pinnedIdentity);
  const rules: FactorRule[] = [...rulesFor(factors, 'reset', memberOf), ...rulesFor(factors, 'unlock', memberOf)];
  const listed = new Set(rules.flatMap((rule) => rule.flatMap((alternative) => alternative.of)));
  const used = factors.offered.filter((factor) => listed.has(factor));
  const enrollment = await ctx.store.enrollments.get(user.guid);
  const ready: Record<Factor, () => Promise<boolean>> = {
    questions: async () => (enrollment?.answers.length ?? 0) > 0,
    code: async () => Object.keys(codeDestinations(ctx, user, enrollment, { directoryFallback: ctx.policy.enrollment.autoEnroll })).length > 0,
    totp: () => factorChecks.hasTotp(ctx, user.guid),
    passkey: async () => (await factorChecks.passkeyCount(ctx, user.guid)) > 0,
    recovery: async () => (await factorChecks.recoveryCodesLeft(ctx, user.guid)) > 0,
  };
  const status: FactorStatus['factors'] = [];
  for (const factor of used) status.push({ factor, ready: await ready[factor](), setUpAt: SET_UP_AT[factor] });
  const passed = status.filter((entry) => entry.ready).map((entry) => entry.factor);
  return { factors: status, enough: satisfied(factors, rules, passed) };
}
