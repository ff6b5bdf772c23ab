/**
 * The factor policy: which ways of proving who you are (factors) reset and unlock take, and how
 * many. A rule is a list of alternatives, any one of which suffices; an alternative is "at least
 * `need` of the factors `of`". Members of chosen AD groups follow their group's rule instead
 * (each group's, when several). Without a `factors` section the policy is derived from the
 * verification and enrollment settings, and behaves as Latchkey did before factors existed.
 */
import type { Factor, FactorAlternative, FactorGroup, FactorSettings } from '../config/factors-schema.ts';
import type { Policy } from '../settings/policy.ts';
import { passkeyCapableUrl } from './passkeys.ts';
import type { VerificationKind } from './verification-state.ts';

export type { Factor, FactorAlternative, FactorGroup };

/** A rule: alternatives, any one of which suffices. */
export type FactorRule = readonly FactorAlternative[];

type PolicyPart = Pick<Policy, 'verification' | 'enrollment' | 'factors' | 'server'>;

/**
 * The factor policy in force: the admin's, or the one the verification settings imply (the
 * questions, then the code; the code first when accounts without answers verify by a code).
 * Passkeys are not offered where browsers refuse them (server.publicUrl unset, an IP address or
 * plain HTTP off localhost): for every name alike, so a rule that needs one then fails closed.
 */
export function factorPolicy(policy: PolicyPart): FactorSettings {
  if (policy.factors) {
    // Tests may give a policy without a server section.
    if (passkeyCapableUrl(policy.server?.publicUrl)) return policy.factors;
    return { ...policy.factors, offered: policy.factors.offered.filter((factor) => factor !== 'passkey') };
  }
  const { questionsToAsk, requireCode } = policy.verification;
  const offered: Factor[] = [...(questionsToAsk > 0 ? ['questions' as const] : []), ...(requireCode ? ['code' as const] : [])];
  const codeFirst = policy.enrollment.autoEnroll && offered.length === 2;
  const rule = [{ need: offered.length, of: codeFirst ? [...offered].reverse() : offered }];
  return { offered, reset: rule, unlock: rule, groups: [] };
}

/** How many questions the questions factor asks: with a factor policy at least one, so that it always proves something. */
export function questionsToAsk(policy: PolicyPart): number {
  return policy.factors ? Math.max(1, policy.verification.questionsToAsk) : policy.verification.questionsToAsk;
}

/** The rules an account follows: those of the stricter groups it is a member of, else the default. */
export function rulesFor(factors: FactorSettings, kind: VerificationKind, memberOf: readonly FactorGroup[]): FactorRule[] {
  return memberOf.length ? memberOf.map((group) => group[kind] ?? factors[kind]) : [factors[kind]];
}

/** The offered factors of an alternative, in the admin's order. */
function usable(factors: FactorSettings, alternative: FactorAlternative): Factor[] {
  return alternative.of.filter((factor) => factors.offered.includes(factor));
}

/** Whether `passed` meets every rule (some alternative of each). */
export function satisfied(factors: FactorSettings, rules: readonly FactorRule[], passed: readonly Factor[]): boolean {
  return rules.every((rule) => rule.some((alternative) => usable(factors, alternative).filter((factor) => passed.includes(factor)).length >= alternative.need));
}

/**
 * What comes after `passed`: done; the one factor left when the rules leave no choice (a single
 * alternative that needs all its factors: walked in the listed order); else the choice page.
 */
export function nextStep(factors: FactorSettings, rules: readonly FactorRule[], passed: readonly Factor[]): 'done' | 'choose' | { factor: Factor } {
  if (satisfied(factors, rules, passed)) return 'done';
  const only = rules.length === 1 && rules[0]!.length === 1 ? rules[0]![0]! : null;
  if (only && usable(factors, only).length === only.need) return { factor: usable(factors, only).find((factor) => !passed.includes(factor))! };
  return 'choose';
}

/** The factors the choice page offers: those of the rules not passed yet, in the admin's order. */
export function choices(factors: FactorSettings, rules: readonly FactorRule[], passed: readonly Factor[]): Factor[] {
  if (nextStep(factors, rules, passed) !== 'choose') return [];
  const listed = rules.flatMap((rule) => rule.flatMap((alternative) => usable(factors, alternative)));
  return [...new Set(listed)].filter((factor) => !passed.includes(factor));
}

/** Every rule of a kind: the default and each group's. */
export function everyRule(factors: FactorSettings, kind: VerificationKind): FactorRule[] {
  return [factors[kind], ...factors.groups.map((group) => group[kind] ?? factors[kind])];
}

/** The factors some rule (reset or unlock, default or a group's) can use: what enrollment and /me ask for. */
export function factorsInUse(factors: FactorSettings): Factor[] {
  const rules = [...everyRule(factors, 'reset'), ...everyRule(factors, 'unlock')];
  const used = new Set(rules.flatMap((rule) => rule.flatMap((alternative) => usable(factors, alternative))));
  return factors.offered.filter((factor) => used.has(factor));
}

/** Whether no alternative of `rules` can pass without `factor`. */
export function required(factors: FactorSettings, rules: readonly FactorRule[], factor: Factor): boolean {
  const all = factors.offered.filter((offered) => offered !== factor);
  return !satisfied(factors, rules, all);
}
