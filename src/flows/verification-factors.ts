/**
 * The choice of a factor, and the factors beside the questions and the code: the authenticator
 * app, a recovery code, a passkey. The choice offers what the policy offers, the same for every
 * name; a factor the account has not set up is tried like any other and fails like a wrong
 * code, as in a decoy. Every failure counts toward the portal lockout and the failure limits
 * exactly as a wrong answer does (failure-limits.ts).
 */
import type { FlowContext, Requester } from './context.ts';
import { factorChecks } from './factor-checks.ts';
import type { Factor } from './factor-policy.ts';
import { beginAttempt, type Stop } from './failure-limits.ts';
import { record, refusedWhileStopped, wrongAttempt } from './verification-audit.ts';
import { expectStage, StepOutOfOrder, type VerificationState } from './verification-state.ts';
import { enterFactor, factorPassed, flowChoices, renewPasskey } from './verification-steps.ts';

/**
 * Takes up `factor` from the choice page, or (null) goes back to the choice from a factor's
 * page. Refused (StepOutOfOrder) when the rules leave no choice or do not offer `factor`.
 */
export async function chooseFactor(ctx: FlowContext, state: VerificationState, factor: Factor | null, requester: Requester): Promise<void> {
  if (state.stage === 'verified' || ctx.now() > state.expiresAt) throw StepOutOfOrder({});
  const offered = flowChoices(ctx, state);
  if (factor === null) {
    if (!offered.length) throw StepOutOfOrder({});
    state.stage = 'choose';
    return;
  }
  if (!offered.includes(factor)) throw StepOutOfOrder({});
  await record(ctx, state, requester, 'factor-chosen', 'success', factor, factor);
  await enterFactor(ctx, state, factor);
}

export type FactorOutcome = 'accepted' | 'wrong' | Stop;

/**
 * One try at a factor: counted before `check` looks at it, given back when right; the factor's
 * pass or failure audited with its name (never what was typed).
 */
async function tryFactor(
  ctx: FlowContext,
  state: VerificationState,
  factor: Factor,
  requester: Requester,
  check: () => Promise<{ passed: boolean; detail?: string }>,
): Promise<FactorOutcome> {
  const begun = await beginAttempt(ctx, state, requester);
  if ('stop' in begun) return refusedWhileStopped(ctx, state, requester, begun.stop);
  const { passed, detail } = await check();
  const described = [factor, detail].filter(Boolean).join(': ');
  if (!passed) return wrongAttempt(ctx, state, requester, begun.attempt, 'factor-failed', described, factor);
  await begun.attempt.right();
  await record(ctx, state, requester, 'factor-passed', 'success', described, factor);
  await factorPassed(ctx, state, factor);
  return 'accepted';
}

/** Checks a code from the authenticator app; one already used counts as wrong. */
export async function checkAppCode(ctx: FlowContext, state: VerificationState, code: string, requester: Requester): Promise<FactorOutcome> {
  expectStage(ctx, state, 'totp');
  return tryFactor(ctx, state, 'totp', requester, async () => {
    const checked = await factorChecks.checkTotpCode(ctx, state.user?.guid ?? null, code);
    return { passed: checked === 'accepted', ...(checked === 'replayed' ? { detail: 'code already used' } : {}) };
  });
}

/** Redeems a recovery code (single use); the codes left are kept to show on the pages that follow. */
export async function useRecoveryCode(ctx: FlowContext, state: VerificationState, code: string, requester: Requester): Promise<FactorOutcome> {
  expectStage(ctx, state, 'recovery');
  return tryFactor(ctx, state, 'recovery', requester, async () => {
    const redeemed = await factorChecks.redeemRecoveryCode(ctx, state.user, code, requester);
    if (redeemed.outcome !== 'accepted') return { passed: false };
    state.recoveryCodesLeft = redeemed.remaining;
    return { passed: true, detail: `${redeemed.remaining} left` };
  });
}

/**
 * Verifies a passkey's assertion (the JSON the browser posted) against the flow's challenge,
 * which serves one try: a new one is made after a failure. Unreadable JSON is a failed try.
 */
export async function checkPasskey(ctx: FlowContext, state: VerificationState, assertion: string, requester: Requester): Promise<FactorOutcome> {
  expectStage(ctx, state, 'passkey');
  const challenge = state.passkey?.challenge;
  if (!challenge) throw StepOutOfOrder({});
  const outcome = await tryFactor(ctx, state, 'passkey', requester, async () => {
    const response = parseJson(assertion);
    if (response === undefined) return { passed: false, detail: 'unreadable' };
    const attempt = { sam: state.user?.sam ?? null, requester };
    return { passed: (await factorChecks.verifyPasskey(ctx, state.user?.guid ?? null, challenge, response, attempt)) === 'accepted' };
  });
  if (outcome === 'wrong') await renewPasskey(ctx, state);
  return outcome;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
