/**
 * Proving who you are, for reset and unlock, with the factors the policy asks for
 * (verification-steps.ts): here the first step, the questions factor (some enrolled questions,
 * at random, one at a time) and the code factor (a one-time code sent to an enrolled address);
 * the other factors are in verification-factors.ts. Anyone can start it with any name; for a
 * name that must not be told apart from a real, usable account (unknown, not enrolled, a bot)
 * the flow is a decoy that looks and behaves the same but can never pass. Wrong answers and
 * codes count against the account (failure-limits.ts), never the starts.
 */
import { randomBytes } from 'node:crypto';
import type { AuditAction } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import { LatchkeyError } from '../errors.ts';
import { verifyAnswer } from '../security/answers.ts';
import { decoyPick } from '../security/decoy.ts';
import { withUniformDelay } from '../security/timing.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { sendCodeMessage } from './code-delivery.ts';
import { codeDestinations } from './code-destinations.ts';
import type { FlowContext, Requester } from './context.ts';
import { factorChecks } from './factor-checks.ts';
import { type Factor, factorPolicy, questionsToAsk, rulesFor, satisfied } from './factor-policy.ts';
import { beginAttempt, type Stop } from './failure-limits.ts';
import { limitKeys } from './limit-keys.ts';
import { offeredChannels } from './offered-channels.ts';
import { checkTypedCode, issueCode } from './one-time-codes.ts';
import { describeCap } from './send-caps.ts';
import { typedName } from './typed-name.ts';
import { record, refusedWhileStopped, wrongAttempt } from './verification-audit.ts';
import {
  type Channel,
  type DecoyReason,
  expectStage,
  FLOW_LIFETIME_MS,
  randomSubset,
  StepOutOfOrder,
  type VerificationKind,
  type VerificationState,
  type VerifiedRefusal,
} from './verification-state.ts';
import { factorPassed, goToNextStep } from './verification-steps.ts';

const REQUESTED: Record<VerificationKind, AuditAction> = { reset: 'reset-requested', unlock: 'unlock-requested' };

/** True when the attempt counter `key` has reached `max` in its window. */
async function overLimit(ctx: FlowContext, key: string, limit: { max: number; windowMinutes: number }) {
  return (await ctx.store.throttle.hit(key, limit.windowMinutes * 60_000, ctx.now())) > limit.max;
}

/** Where codes can go for a real user: enrolled addresses, or the directory's with auto-enrollment. */
export function destinations(ctx: FlowContext, user: DirectoryUser, enrollment: Enrollment | null): Partial<Record<Channel, string>> {
  return codeDestinations(ctx, user, enrollment, { directoryFallback: ctx.policy.enrollment.autoEnroll });
}

export interface StartInput {
  kind: VerificationKind;
  name: string;
  domain?: string;
  honeypot?: string;
}

/** A flow, real or decoy; or, when the source address is over its limit, a refusal that is the same for every name. */
export type StartOutcome = { ok: true; state: VerificationState } | { ok: false; stop: 'address' };

/**
 * The first step: a typed name (and domain). Returns a flow, real or decoy, after a random delay
 * that hides the work done for real accounts; the caller shows the same next page.
 */
export async function startVerification(ctx: FlowContext, input: StartInput, requester: Requester): Promise<StartOutcome> {
  return withUniformDelay(
    ctx.policy.protection.responseDelayMs,
    () => begin(ctx, input, requester),
    (took) => ctx.log.warn({ tookMs: took }, 'the first step took longer than protection.responseDelayMs allows; raise its max'),
  );
}

async function begin(ctx: FlowContext, input: StartInput, requester: Requester): Promise<StartOutcome> {
  const { policy } = ctx;
  // Starts are limited per address only: a stranger starting flows for a name costs its owner nothing.
  if (await overLimit(ctx, limitKeys.verificationStarts(requester.ip), policy.protection.perIp)) {
    await record(ctx, { user: null, decoy: null }, requester, 'rate-limited', 'refused', 'per address');
    return { ok: false, stop: 'address' };
  }
  const { canonical, key } = await typedName(ctx, input.name, input.domain);
  let decoy: DecoyReason | null = null;
  if (policy.protection.honeypot && input.honeypot) decoy = 'bot';
  const user = decoy ? null : await ctx.directory.findUser(input.name, input.domain);
  const enrollment = user ? await ctx.store.enrollments.get(user.guid) : null;
  const found = user ? destinations(ctx, user, enrollment) : {};
  const usable = user !== null && canVerify(ctx, input.kind, await availableFactors(ctx, user.guid, enrollment, found));
  if (!decoy && !usable) decoy = user ? 'not-enrolled' : 'unknown-name';

  // Decoy masks come from the canonical name, so that every spelling shows the same.
  const name = { key, typed: canonical };
  const plan = await verificationPlan(ctx, name, decoy ? null : enrollment, decoy ? {} : found);
  const state: VerificationState = {
    kind: input.kind,
    flowId: randomBytes(16).toString('hex'),
    nameKey: key,
    ...plan,
    user: decoy ? null : { guid: user!.guid, sam: user!.samAccountName, displayName: user!.displayName },
    decoy,
    questionIndex: 0,
    stage: 'choose',
    passed: [],
    strictGroups: [],
    codeChannel: null,
    codeSentAt: null,
    passkey: null,
    recoveryCodesLeft: null,
    expiresAt: ctx.now() + FLOW_LIFETIME_MS,
  };
  await goToNextStep(ctx, state);
  // The audit names an account that was found (enrolled or not); an unknown name is "unknown".
  const subject = { user: user && { guid: user.guid, sam: user.samAccountName, displayName: user.displayName }, decoy };
  await record(ctx, subject, requester, REQUESTED[input.kind], decoy ? 'refused' : 'success');
  if (decoy === 'bot') await record(ctx, subject, requester, 'bot', 'refused', 'honeypot field filled');
  return { ok: true, state };
}

/**
 * The offered factors a found account has set up. With auto-enrollment, an account without
 * answers counts as having the questions when a code can reach it (the code stands in for them).
 */
async function availableFactors(ctx: FlowContext, guid: string, enrollment: Enrollment | null, found: Partial<Record<Channel, string>>): Promise<Factor[]> {
  const hasAddress = Object.keys(found).length > 0;
  const has: Record<Factor, () => Promise<boolean>> = {
    questions: async () => (enrollment?.answers.length ?? 0) > 0 || (ctx.policy.enrollment.autoEnroll && hasAddress),
    code: async () => hasAddress,
    totp: () => factorChecks.hasTotp(ctx, guid),
    passkey: async () => (await factorChecks.passkeyCount(ctx, guid)) > 0,
    recovery: async () => (await factorChecks.recoveryCodesLeft(ctx, guid)) > 0,
  };
  const available: Factor[] = [];
  // A factor that is not offered is never asked about.
  for (const factor of factorPolicy(ctx.policy).offered) if (await has[factor]()) available.push(factor);
  return available;
}

/** Whether an account with `available` factors can meet some rule of `kind` (the default, or a stricter group's). */
function canVerify(ctx: FlowContext, kind: VerificationKind, available: Factor[]): boolean {
  const factors = factorPolicy(ctx.policy);
  const rules = [rulesFor(factors, kind, []), ...factors.groups.map((group) => rulesFor(factors, kind, [group]))];
  return rules.some((rule) => satisfied(factors, rule, available));
}

/**
 * The questions and channels of a flow. An account's own answers and addresses where it has
 * them; otherwise (and for a decoy) questions fixed per name, drawn like a real enrollment.
 * Before anything is proven the channel page offers every channel, as for any other name.
 */
async function verificationPlan(
  ctx: FlowContext,
  name: { key: string; typed: string },
  enrollment: Enrollment | null,
  found: Partial<Record<Channel, string>>,
) {
  const count = questionsToAsk(ctx.policy);
  const own = (enrollment?.answers ?? []).map(({ question }, position) => ({ position, text: question }));
  const { questions, questionsToEnroll } = ctx.policy.enrollment;
  const fixed = () => decoyPick(ctx.keys.decoy, name.key, questions, Math.max(questionsToEnroll, count)).map((text, position) => ({ position, text }));
  const hasAddress = Object.keys(found).length > 0;
  return {
    questions: randomSubset(own.length ? own : fixed(), count),
    questionsEnrolled: own.length > 0,
    channels: await offeredChannels(ctx, name, found, true),
    provenChannels: await offeredChannels(ctx, name, found, !hasAddress),
  };
}

export type AnswerOutcome = 'next' | 'wrong' | Stop;

/**
 * Checks the answer to the current question. Wrong answers count against the account; once a
 * bound is reached no answer is looked at, and the page says so instead of "wrong".
 */
export async function answerQuestion(ctx: FlowContext, state: VerificationState, answer: string, requester: Requester): Promise<AnswerOutcome> {
  expectStage(ctx, state, 'question');
  const begun = await beginAttempt(ctx, state, requester);
  if ('stop' in begun) return refusedWhileStopped(ctx, state, requester, begun.stop);
  const question = state.questions[state.questionIndex]!;
  const enrollment = state.user ? await ctx.store.enrollments.get(state.user.guid) : null;
  const enrolled = enrollment?.answers[question.position];
  const stored = enrolled?.question === question.text ? enrolled : undefined;
  // A decoy (or an enrollment replaced meanwhile) still costs one argon2 check, and fails.
  if (await verifyAnswer(stored?.answerHash ?? null, answer)) {
    await begun.attempt.right();
    await record(ctx, state, requester, 'question-right', 'success', `question ${state.questionIndex + 1}`);
    state.questionIndex += 1;
    if (state.questionIndex >= state.questions.length) await factorPassed(ctx, state, 'questions');
    return 'next';
  }
  return wrongAttempt(ctx, state, requester, begun.attempt, 'question-wrong', `question ${state.questionIndex + 1}`);
}

export type SendOutcome = { outcome: 'sent' } | { outcome: 'too-soon'; waitSeconds: number } | { outcome: 'failed'; error: LatchkeyError };

/**
 * What happened to a requested code. 'withheld' (a send cap reached, or no address for a channel
 * offered as a stand-in) shows the code page like 'sent': no code typed will pass, as in a decoy.
 */
type Delivered = { outcome: 'sent' } | { outcome: 'withheld'; action: AuditAction; detail: string } | { outcome: 'failed'; error: LatchkeyError };

/** Sends a code to the chosen destination (a decoy sends nothing, in the same time). */
export async function sendCode(ctx: FlowContext, state: VerificationState, channel: Channel, requester: Requester): Promise<SendOutcome> {
  if (state.stage !== 'channel' && state.stage !== 'code') throw StepOutOfOrder({});
  expectStage(ctx, state, state.stage);
  if (!state.channels.some((offered) => offered.channel === channel)) throw StepOutOfOrder({});
  const cooldownMs = ctx.policy.codes.resendCooldownSeconds * 1000;
  if (state.codeSentAt !== null && ctx.now() - state.codeSentAt < cooldownMs) {
    return { outcome: 'too-soon', waitSeconds: Math.ceil((state.codeSentAt + cooldownMs - ctx.now()) / 1000) };
  }
  const result = await withUniformDelay(ctx.policy.protection.responseDelayMs, () => deliver(ctx, state, channel, requester.language));
  if (result.outcome === 'failed') {
    await record(ctx, state, requester, 'delivery-failed', 'failure', `${channel}: ${result.error.code}`);
    return result;
  }
  state.stage = 'code';
  state.codeChannel = channel;
  state.codeSentAt = ctx.now();
  if (result.outcome === 'withheld') await record(ctx, state, requester, result.action, 'refused', `${channel}: ${result.detail}`);
  else await record(ctx, state, requester, 'code-sent', 'success', channel);
  return { outcome: 'sent' };
}

async function deliver(ctx: FlowContext, state: VerificationState, channel: Channel, language: string | undefined): Promise<Delivered> {
  const user = state.user && (await ctx.directory.getUser(state.user.guid));
  const address = user && destinations(ctx, user, await ctx.store.enrollments.get(user.guid))[channel];
  const withhold = async (action: AuditAction, detail: string): Promise<Delivered> => {
    // Replaces any earlier code of the flow, as a real new code would, with one nobody is told.
    await issueCode(ctx, state.flowId, null, channel);
    return state.user ? { outcome: 'withheld', action, detail } : { outcome: 'sent' };
  };
  if (!user || !address) return withhold('send-no-address', 'no address on file');
  try {
    const params = { minutes: ctx.policy.codes.lifetimeMinutes, organisation: ctx.policy.ui.organisation };
    const sent = await sendCodeMessage(ctx, state.flowId, { accountGuid: user.guid, channel, address }, 'code', params, language);
    return sent.outcome === 'capped' ? withhold('send-capped', describeCap(sent.cap)) : sent;
  } catch (error) {
    if (error instanceof LatchkeyError) return { outcome: 'failed', error };
    throw error;
  }
}

export type CodeOutcome = 'accepted' | 'wrong' | 'expired' | 'locked' | Stop;

/**
 * Checks a typed code: single use, expiring, locked after too many wrong tries of this code; and,
 * like a wrong answer, every wrong code counts against the account.
 */
export async function checkCode(ctx: FlowContext, state: VerificationState, typed: string, requester: Requester): Promise<CodeOutcome> {
  expectStage(ctx, state, 'code');
  const begun = await beginAttempt(ctx, state, requester);
  if ('stop' in begun) return refusedWhileStopped(ctx, state, requester, begun.stop);
  const checked = await checkTypedCode(ctx, state.flowId, typed);
  if (checked === 'accepted') {
    await begun.attempt.right();
    await record(ctx, state, requester, 'code-accepted', 'success');
    await ctx.store.codes.remove(state.flowId);
    await factorPassed(ctx, state, 'code');
    return 'accepted';
  }
  if (checked === 'expired') {
    // Not a guess: the code was never going to pass.
    await begun.attempt.right();
    await record(ctx, state, requester, 'code-expired', 'refused');
    return 'expired';
  }
  // 'used' and 'unknown' can only come from a replay or a tampered flow: treated as wrong.
  const counted = await wrongAttempt(ctx, state, requester, begun.attempt, checked === 'locked' ? 'verification-locked' : 'code-wrong');
  return counted === 'wrong' && checked === 'locked' ? 'locked' : counted;
}

/**
 * The verified account, read again from the directory, or why self-service must refuse it
 * (audited). Only a verified flow gets here; a decoy never does.
 */
export async function verifiedUser(
  ctx: FlowContext,
  state: VerificationState,
  requester: Requester,
): Promise<{ user: DirectoryUser } | { refusal: VerifiedRefusal }> {
  expectStage(ctx, state, 'verified');
  const user = state.user && (await ctx.directory.getUser(state.user.guid));
  if (!user) return { refusal: 'gone' };
  if (!user.state.enabled) {
    await record(ctx, state, requester, state.kind, 'refused', 'account disabled');
    return { refusal: 'disabled' };
  }
  if (!ctx.policy.protection.allowProtectedAccounts) {
    const protection = await ctx.directory.protection(user);
    if (protection.protected) {
      await record(ctx, state, requester, 'protected-refused', 'refused', protection.reasons.join(', '));
      return { refusal: 'protected' };
    }
  }
  return { user };
}
