/**
 * Which proof a verification asks for next, by the factor policy (factor-policy.ts). Before
 * anything is proven the default rule alone shapes the flow, so the pages depend on the policy
 * only, never on the name typed. Once a factor has passed, the account's stricter groups are
 * read and their rules apply from then on: the flow is verified when the passed factors meet
 * them, else the one factor left comes next, or the choice page without the factors passed.
 */
import { pinnedIdentity } from '../settings/pinned-groups.ts';
import type { FlowContext } from './context.ts';
import { factorChecks } from './factor-checks.ts';
import { choices, type Factor, type FactorRule, factorPolicy, nextStep, rulesFor } from './factor-policy.ts';
import { clearFailures, failureIds } from './failure-limits.ts';
import { groupsHeld } from './signed-in.ts';
import type { VerificationState } from './verification-state.ts';

/** The rules the flow's account follows now: its stricter groups' (known once a factor passed), else the default. */
export function flowRules(ctx: FlowContext, state: Pick<VerificationState, 'kind' | 'strictGroups'>): FactorRule[] {
  const factors = factorPolicy(ctx.policy);
  return rulesFor(
    factors,
    state.kind,
    factors.groups.filter((group) => state.strictGroups.includes(group.group)),
  );
}

/** The factors the choice page offers the flow now; none when the rules leave no choice. */
export function flowChoices(ctx: FlowContext, state: Pick<VerificationState, 'kind' | 'strictGroups' | 'passed'>): Factor[] {
  return choices(factorPolicy(ctx.policy), flowRules(ctx, state), state.passed);
}

/** A fresh challenge and the options the passkey page hands to the browser. */
async function passkeyChallenge(ctx: FlowContext): Promise<NonNullable<VerificationState['passkey']>> {
  const { options } = await factorChecks.passkeyRequest(ctx);
  return { challenge: options.challenge, options: JSON.stringify(options) };
}

/** Moves the flow to the page of `factor`. */
export async function enterFactor(ctx: FlowContext, state: VerificationState, factor: Factor): Promise<void> {
  if (factor === 'passkey') state.passkey = await passkeyChallenge(ctx);
  state.stage = factor === 'questions' ? 'question' : factor === 'code' ? 'channel' : factor;
}

/** After a try at the passkey page, right or wrong: a challenge is good for one try only. */
export async function renewPasskey(ctx: FlowContext, state: VerificationState): Promise<void> {
  state.passkey = await passkeyChallenge(ctx);
}

/**
 * After `factor` passed: the account's own channels from now on, its stricter groups read, and
 * the next page. With auto-enrollment, a code stands in for the questions of an account that
 * never enrolled answers.
 */
export async function factorPassed(ctx: FlowContext, state: VerificationState, factor: Factor): Promise<void> {
  state.passed.push(factor);
  if (factor === 'code' && !state.questionsEnrolled && ctx.policy.enrollment.autoEnroll && !state.passed.includes('questions')) {
    state.passed.push('questions');
  }
  state.channels = state.provenChannels;
  state.strictGroups = await strictGroupsOf(ctx, state);
  await goToNextStep(ctx, state);
}

/** The page for the factors passed: verified, the one factor left, or the choice (for a new flow, the default rule's first). */
export async function goToNextStep(ctx: FlowContext, state: VerificationState): Promise<void> {
  const step = nextStep(factorPolicy(ctx.policy), flowRules(ctx, state), state.passed);
  if (step === 'done') {
    state.stage = 'verified';
    await clearFailures(ctx, failureIds(state));
  } else if (step === 'choose') state.stage = 'choose';
  else await enterFactor(ctx, state, step.factor);
}

/**
 * The stricter groups (by name) the flow's account is a member of, each checked by its pinned
 * SID. A group that could not be pinned yet applies to everyone: a stricter rule fails closed.
 */
async function strictGroupsOf(ctx: FlowContext, state: VerificationState): Promise<string[]> {
  const { groups } = factorPolicy(ctx.policy);
  if (!groups.length || !state.user) return [];
  const unpinned = groups.filter((group) => !pinnedIdentity(group));
  const user = await ctx.directory.getUser(state.user.guid);
  const held = user ? await groupsHeld(ctx, user, groups, pinnedIdentity) : [];
  return [...unpinned, ...held].map((group) => group.group);
}

/**
 * Where a flow stands, as "step `step` of `of`": the name, one step per factor the rules need,
 * then the new password (or the unlock's confirmation). Until a factor has passed every flow
 * follows the default rule, so the count is the same for every name; without a state, the first step.
 */
export function flowProgress(ctx: FlowContext, kind: VerificationState['kind'], state?: Pick<VerificationState, 'strictGroups' | 'passed' | 'stage'>) {
  const rules = flowRules(ctx, { kind, strictGroups: state?.strictGroups ?? [] });
  const needed = Math.max(1, ...rules.map((rule) => Math.min(...rule.map((alternative) => alternative.need))));
  const of = needed + 2;
  if (!state) return { step: 1, of };
  return { step: state.stage === 'verified' ? of : Math.min(of - 1, state.passed.length + 2), of };
}
