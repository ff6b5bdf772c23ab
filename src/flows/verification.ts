/**
 * Proving who you are, for reset and unlock: the enrolled questions (some, at random, one at a
 * time), then a one-time code sent to an enrolled address. Anyone can start it with any name;
 * for a name that must not be told apart from a real, usable account (unknown, not enrolled,
 * rate limited, a bot) the flow is a decoy that looks and behaves the same but can never pass.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AuditAction, AuditOutcome } from '../audit/recorder.ts';
import type { DirectoryUser } from '../directory/directory.ts';
import { LatchkeyError } from '../errors.ts';
import { maskEmail, maskPhone } from '../notify/masking.ts';
import { verifyAnswer } from '../security/answers.ts';
import { decoyDigits, decoyPick, nameKey } from '../security/decoy.ts';
import { withUniformDelay } from '../security/timing.ts';
import type { Enrollment } from '../store/enrollments.ts';
import type { FlowContext, Requester } from './context.ts';
import { checkTypedCode, issueCode } from './one-time-codes.ts';

export type VerificationKind = 'reset' | 'unlock';
export type Channel = 'email' | 'sms';

/** Why a flow is a decoy; recorded in the audit trail, never shown. */
export type DecoyReason = 'unknown-name' | 'not-enrolled' | 'rate-limited' | 'bot';

/** A verification in progress, kept server-side in the session. */
export interface VerificationState {
  kind: VerificationKind;
  /** Random id: keys the code and ties a code to this attempt only. */
  flowId: string;
  /** The account; null in a decoy flow. */
  user: { guid: string; sam: string } | null;
  decoy: DecoyReason | null;
  /** Keyed fingerprint of the typed name: decoy seed, and the lockout key of unknown names. */
  nameKey: string;
  /** The questions to ask, in order; `position` is the enrolled answer's position. */
  questions: { position: number; text: string }[];
  questionIndex: number;
  stage: 'question' | 'channel' | 'code' | 'verified';
  /** Where a code can go, masked for display. */
  channels: { channel: Channel; masked: string }[];
  codeChannel: Channel | null;
  codeSentAt: number | null;
  expiresAt: number;
}

/** How long a verification may take from start to finish. */
export const FLOW_LIFETIME_MS = 20 * 60_000;

const REQUESTED: Record<VerificationKind, AuditAction> = { reset: 'reset-requested', unlock: 'unlock-requested' };

function record(
  ctx: FlowContext,
  state: Pick<VerificationState, 'user' | 'decoy'>,
  requester: Requester,
  action: AuditAction,
  outcome: AuditOutcome,
  detail?: string,
) {
  const decoy = state.decoy ? `decoy: ${state.decoy}` : undefined;
  return ctx.audit.record({
    actor: state.user?.sam ?? null,
    actorGuid: state.user?.guid ?? null,
    action,
    outcome,
    sourceIp: requester.ip,
    detail: [detail, decoy].filter(Boolean).join('; ') || undefined,
  });
}

/** True when the attempt counter `key` has reached `max` in its window. */
async function overLimit(ctx: FlowContext, key: string, limit: { max: number; windowMinutes: number }) {
  return (await ctx.store.throttle.hit(key, limit.windowMinutes * 60_000, ctx.now())) > limit.max;
}

/** The key under which wrong answers count toward the portal lockout. */
function lockoutKey(state: Pick<VerificationState, 'user' | 'nameKey'>) {
  return `answers:${state.user?.guid ?? state.nameKey}`;
}

/** Where codes can go for a real user: enrolled addresses, or the directory's with auto-enrollment. */
export function destinations(ctx: FlowContext, user: DirectoryUser, enrollment: Enrollment | null): Partial<Record<Channel, string>> {
  const auto = ctx.policy.enrollment.autoEnroll;
  const email = enrollment?.email ?? (auto ? user.mail : null);
  const mobile = enrollment?.mobile ?? (auto ? user.mobile : null);
  const allowed = ctx.policy.verification.channels;
  return {
    ...(email && ctx.mail && allowed.includes('email') ? { email } : {}),
    ...(mobile && ctx.sms && allowed.includes('sms') ? { sms: mobile } : {}),
  };
}

/** `count` items of `items` in a random order (a new draw for every flow). */
export function randomSubset<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length) picked.push(pool.splice(randomInt(pool.length), 1)[0]!);
  return picked;
}

/**
 * The first step: a typed name (and domain). Always returns a flow, real or decoy, after a
 * random delay that hides the work done for real accounts; the caller shows the same next page.
 */
export async function startVerification(
  ctx: FlowContext,
  input: { kind: VerificationKind; name: string; domain?: string; honeypot?: string },
  requester: Requester,
): Promise<VerificationState> {
  return withUniformDelay(ctx.policy.protection.responseDelayMs, () => begin(ctx, input, requester), (took) =>
    ctx.log.warn({ tookMs: took }, 'the first step took longer than protection.responseDelayMs allows; raise its max'),
  );
}

async function begin(
  ctx: FlowContext,
  input: { kind: VerificationKind; name: string; domain?: string; honeypot?: string },
  requester: Requester,
): Promise<VerificationState> {
  const { policy } = ctx;
  const key = nameKey(ctx.keys.decoy, `${input.domain ?? ''}\\${input.name}`);
  const base = { kind: input.kind, flowId: randomBytes(16).toString('hex'), nameKey: key, questionIndex: 0, codeChannel: null, codeSentAt: null };
  const expiresAt = ctx.now() + FLOW_LIFETIME_MS;

  let decoy: DecoyReason | null = null;
  if (policy.protection.honeypot && input.honeypot) decoy = 'bot';
  // Both counters always advance, so a limited address cannot probe names for free.
  const ipLimited = await overLimit(ctx, `verify-ip:${requester.ip}`, policy.protection.perIp);
  const nameLimited = await overLimit(ctx, `verify-name:${key}`, policy.protection.perUser);
  if (!decoy && (ipLimited || nameLimited)) decoy = 'rate-limited';

  let user = decoy ? null : await ctx.directory.findUser(input.name, input.domain);
  // The same account under another spelling (CORP\jsmith, jsmith@corp) shares its limit.
  if (user && (await overLimit(ctx, `verify-user:${user.guid}`, policy.protection.perUser))) {
    decoy = 'rate-limited';
    user = null;
  }
  const enrollment = user ? await ctx.store.enrollments.get(user.guid) : null;
  const questionsToAsk = policy.verification.questionsToAsk;
  const found = user ? destinations(ctx, user, enrollment) : {};
  const usable =
    user !== null &&
    (questionsToAsk === 0 || (enrollment?.answers.length ?? 0) > 0) &&
    (!policy.verification.requireCode || Object.keys(found).length > 0);
  if (!decoy && !usable) decoy = user ? 'not-enrolled' : 'unknown-name';

  const plan = decoy
    ? await decoyPlan(ctx, key, input.name)
    : {
        questions: randomSubset(
          (enrollment?.answers ?? []).map(({ question }, position) => ({ position, text: question })),
          questionsToAsk,
        ),
        channels: Object.entries(found).map(([channel, address]) => ({
          channel: channel as Channel,
          masked: channel === 'email' ? maskEmail(address) : maskPhone(address),
        })),
      };
  const state: VerificationState = {
    ...base,
    ...plan,
    user: decoy ? null : { guid: user!.guid, sam: user!.samAccountName },
    decoy,
    expiresAt,
    stage: plan.questions.length ? 'question' : policy.verification.requireCode ? 'channel' : 'verified',
  };
  // The audit names an account that was found (enrolled or not); an unknown name is "unknown".
  const subject = { user: user && { guid: user.guid, sam: user.samAccountName }, decoy };
  await record(ctx, subject, requester, REQUESTED[input.kind], decoy ? 'refused' : 'success');
  if (decoy === 'bot') await record(ctx, subject, requester, 'bot', 'refused', 'honeypot field filled');
  if (decoy === 'rate-limited') await record(ctx, subject, requester, 'rate-limited', 'refused', ipLimited ? 'per address' : 'per name');
  return state;
}

/** Questions and destinations for a decoy: fixed per name, asked like a real enrollment. */
async function decoyPlan(ctx: FlowContext, key: string, typedName: string) {
  const { enrollment, verification } = ctx.policy;
  const enrolled = decoyPick(ctx.keys.decoy, key, enrollment.questions, Math.max(enrollment.questionsToEnroll, verification.questionsToAsk));
  const questions = randomSubset(
    enrolled.map((text, position) => ({ position, text })),
    verification.questionsToAsk,
  );
  const { dnsDomain } = await ctx.directory.domain().catch(() => ({ dnsDomain: 'example.com' }));
  const local = typedName.replace(/^.*\\/, '').replace(/@.*$/, '').trim() || 'x';
  const channels: VerificationState['channels'] = [];
  if (ctx.mail && verification.channels.includes('email')) channels.push({ channel: 'email', masked: maskEmail(`${local}@${dnsDomain}`) });
  if (ctx.sms && verification.channels.includes('sms')) {
    channels.push({ channel: 'sms', masked: maskPhone(`+1555${decoyDigits(ctx.keys.decoy, key, 'phone', 7)}`) });
  }
  return { questions, channels };
}

/** Refused because the state is not at the step being posted (skipped, replayed or expired). */
export class StepOutOfOrder extends Error {
  constructor() {
    super('this step does not follow from where the flow is');
  }
}

function expectStage(ctx: FlowContext, state: VerificationState, stage: VerificationState['stage']) {
  if (state.stage !== stage || ctx.now() > state.expiresAt) throw new StepOutOfOrder();
}

export type AnswerOutcome = 'next' | 'wrong' | 'locked-out';

/** Checks the answer to the current question. Wrong answers count toward the portal lockout. */
export async function answerQuestion(
  ctx: FlowContext,
  state: VerificationState,
  answer: string,
  requester: Requester,
): Promise<AnswerOutcome> {
  expectStage(ctx, state, 'question');
  const { maxWrongAnswers, coolDownMinutes } = ctx.policy.protection.portalLockout;
  if ((await ctx.store.throttle.peek(lockoutKey(state), ctx.now())) >= maxWrongAnswers) {
    await record(ctx, state, requester, 'portal-lockout', 'refused', 'still locked out');
    return 'locked-out';
  }
  const question = state.questions[state.questionIndex]!;
  const enrollment = state.user ? await ctx.store.enrollments.get(state.user.guid) : null;
  const enrolled = enrollment?.answers[question.position];
  const stored = enrolled?.question === question.text ? enrolled : undefined;
  // A decoy (or an enrollment replaced meanwhile) still costs one argon2 check, and fails.
  if (await verifyAnswer(stored?.answerHash ?? null, answer)) {
    await record(ctx, state, requester, 'question-right', 'success', `question ${state.questionIndex + 1}`);
    state.questionIndex += 1;
    if (state.questionIndex >= state.questions.length) state.stage = ctx.policy.verification.requireCode ? 'channel' : 'verified';
    return 'next';
  }
  const wrong = await ctx.store.throttle.hit(lockoutKey(state), coolDownMinutes * 60_000, ctx.now());
  await record(ctx, state, requester, 'question-wrong', 'refused', `question ${state.questionIndex + 1}`);
  if (wrong >= maxWrongAnswers) {
    await record(ctx, state, requester, 'portal-lockout', 'refused', `${wrong} wrong answers`);
    return 'locked-out';
  }
  return 'wrong';
}

export type SendOutcome = { outcome: 'sent' } | { outcome: 'too-soon'; waitSeconds: number } | { outcome: 'failed'; error: LatchkeyError };

/** Sends a code to the chosen destination (a decoy sends nothing, in the same time). */
export async function sendCode(ctx: FlowContext, state: VerificationState, channel: Channel, requester: Requester): Promise<SendOutcome> {
  if (state.stage !== 'channel' && state.stage !== 'code') throw new StepOutOfOrder();
  expectStage(ctx, state, state.stage);
  if (!state.channels.some((offered) => offered.channel === channel)) throw new StepOutOfOrder();
  const cooldownMs = ctx.policy.codes.resendCooldownSeconds * 1000;
  if (state.codeSentAt !== null && ctx.now() - state.codeSentAt < cooldownMs) {
    return { outcome: 'too-soon', waitSeconds: Math.ceil((state.codeSentAt + cooldownMs - ctx.now()) / 1000) };
  }
  const result = await withUniformDelay(ctx.policy.protection.responseDelayMs, () => deliver(ctx, state, channel));
  if (result.outcome === 'failed') {
    await record(ctx, state, requester, 'delivery-failed', 'failure', `${channel}: ${result.error.code}`);
    return result;
  }
  state.stage = 'code';
  state.codeChannel = channel;
  state.codeSentAt = ctx.now();
  await record(ctx, state, requester, 'code-sent', 'success', channel);
  return result;
}

async function deliver(ctx: FlowContext, state: VerificationState, channel: Channel): Promise<SendOutcome> {
  const code = await issueCode(ctx, state.flowId, state.user?.guid ?? null, channel);
  if (!state.user || !code) return { outcome: 'sent' };
  const user = await ctx.directory.getUser(state.user.guid);
  const address = user && destinations(ctx, user, await ctx.store.enrollments.get(user.guid))[channel];
  if (!address) throw new StepOutOfOrder();
  const minutes = ctx.policy.codes.lifetimeMinutes;
  const organisation = ctx.policy.ui.organisation;
  try {
    if (channel === 'email') {
      await ctx.mail!.send({
        to: [address],
        subject: ctx.t('mail.code.subject', { organisation }),
        text: ctx.t('mail.code.body', { code, minutes, organisation }),
      });
    } else {
      await ctx.sms!.send({ to: address, body: ctx.t('sms.code', { code, minutes, organisation }) });
    }
  } catch (error) {
    if (error instanceof LatchkeyError) return { outcome: 'failed', error };
    throw error;
  }
  return { outcome: 'sent' };
}

export type CodeOutcome = 'accepted' | 'wrong' | 'expired' | 'locked';

const CODE_ACTIONS: Record<CodeOutcome, AuditAction> = {
  accepted: 'code-accepted',
  wrong: 'code-wrong',
  expired: 'code-expired',
  locked: 'verification-locked',
};

/** Checks a typed code: single use, expiring, and locked after too many wrong tries. */
export async function checkCode(ctx: FlowContext, state: VerificationState, typed: string, requester: Requester): Promise<CodeOutcome> {
  expectStage(ctx, state, 'code');
  const checked = await checkTypedCode(ctx, state.flowId, typed);
  // 'used' and 'unknown' can only come from a replay or a tampered flow: treat as wrong.
  const outcome: CodeOutcome = checked === 'used' || checked === 'unknown' ? 'wrong' : checked;
  await record(ctx, state, requester, CODE_ACTIONS[outcome], outcome === 'accepted' ? 'success' : 'refused');
  if (outcome === 'accepted') {
    state.stage = 'verified';
    await ctx.store.codes.remove(state.flowId);
  }
  return outcome;
}

/** Refusals after a successful verification: the person proved who they are, so they are told. */
export type VerifiedRefusal = 'protected' | 'disabled' | 'gone';

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

