/**
 * Enrollment: the user proves who they are with their AD password, then picks and answers
 * questions and confirms where codes may go. Answers are stored only as argon2id hashes, keyed
 * by the directory GUID; enrolling again replaces the previous enrollment and ends a portal lockout.
 */
import { actorOf } from '../audit/recorder.ts';
import { AccountProtected } from '../directory/errors.ts';
import type { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import { bareAddress } from '../notify/address.ts';
import { parseMobile } from '../notify/phone.ts';
import { hashAnswer, normalizeAnswer } from '../security/answers.ts';
import type { Policy } from '../settings/policy.ts';
import { checkStepUpCode, type StepUp, type StepUpOutcome, stepUpFor } from './account-factors.ts';
import type { FlowContext, Requester } from './context.ts';
import { notifyOwner } from './credential-notices.ts';
import { type Factor, factorPolicy, factorsInUse, required } from './factor-policy.ts';
import { clearFailures } from './failure-limits.ts';
import { rememberLanguage } from './language-preference.ts';
import { type Credentials, recordSignInFailure, signIn } from './sign-in.ts';
import { accountNameKeys } from './typed-name.ts';
import { StepOutOfOrder } from './verification-state.ts';

/** A signed-in enrollment, kept server-side in the session until the answers are saved and what follows is set up. */
export interface EnrollState {
  user: { guid: string; sam: string; upn: string | null; displayName: string | null };
  /** The directory's addresses, offered as defaults. */
  directoryEmail: string | null;
  directoryMobile: string | null;
  /** Set once the answers are saved: the app and recovery codes may be set up until expiresAt. */
  saved?: boolean;
  expiresAt: number;
}

/** An enrollment whose password was right, waiting for a code from the user's authenticator app. */
export type EnrollStepUp = StepUp<EnrollState>;

/** How long the question page may stay open after signing in. */
export const ENROLL_LIFETIME_MS = 20 * 60_000;

export type EnrollSignIn = { ok: true; state: EnrollState; stepUp: null } | { ok: true; stepUp: EnrollStepUp } | { ok: false; error: LatchkeyError };

/**
 * Signs in for enrollment; privileged accounts are told at once that self-service is not for them.
 * A user with an authenticator app bound must type a code from it too (the step /me asks for):
 * otherwise the password alone could replace their answers and addresses.
 */
export async function startEnrollment(ctx: FlowContext, input: Credentials, requester: Requester): Promise<EnrollSignIn> {
  const result = await signIn(ctx, input, requester);
  if (!result.ok) {
    await recordSignInFailure(ctx, 'enroll', result, requester);
    return { ok: false, error: result.error };
  }
  const { user } = result;
  if (!ctx.policy.protection.allowProtectedAccounts) {
    const protection = await ctx.directory.protection(user);
    if (protection.protected) {
      await ctx.audit.record({
        ...actorOf(user),
        action: 'protected-refused',
        outcome: 'refused',
        sourceIp: requester.ip,
        detail: `enroll: ${protection.reasons.join(', ')}`,
      });
      return { ok: false, error: AccountProtected({}) };
    }
  }
  const state: EnrollState = {
    user: { guid: user.guid, sam: user.samAccountName, upn: user.userPrincipalName, displayName: user.displayName },
    directoryEmail: user.mail,
    directoryMobile: user.mobile,
    expiresAt: ctx.now() + ENROLL_LIFETIME_MS,
  };
  const stepUp = await stepUpFor(ctx, { guid: user.guid, sam: user.samAccountName }, state);
  return stepUp ? { ok: true, stepUp } : { ok: true, state, stepUp: null };
}

/** The enrollment's second step, as /me's: wrong and replayed codes count toward the portal lockout. */
export async function checkEnrollStepUp(
  ctx: FlowContext,
  pending: EnrollStepUp | undefined,
  code: string,
  requester: Requester,
): Promise<StepUpOutcome<EnrollState>> {
  if (!pending || pending.expiresAt <= ctx.now()) throw StepOutOfOrder({});
  return checkStepUpCode(ctx, pending, code, requester, 'enroll');
}

/** A factor set up after the answers are saved: the app and recovery codes at once, passkeys (which need script) at /me. */
type SetUpAfter = 'totp' | 'passkey' | 'recovery';

type EnrollPolicy = Pick<Policy, 'enrollment' | 'verification' | 'factors' | 'server'>;

/** What enrollment asks for: what the factor policy can use, and no more. */
export interface EnrollmentAsks {
  /** Questions to answer (none when no rule uses them). */
  questions: number;
  /** Whether addresses for codes are asked for (no rule uses codes: not). */
  addresses: boolean;
  /** Whether an address is required (some rule cannot pass without a code). */
  addressRequired: boolean;
  /** Factors the policy uses that are set up after the answers are saved. */
  setUpAfter: SetUpAfter[];
}

/**
 * What enrollment asks for. Without a factor policy, as before factors: the questions (even when
 * none are asked, so that turning them on later finds answers) and the addresses.
 */
export function enrollmentAsks(policy: EnrollPolicy): EnrollmentAsks {
  const factors = factorPolicy(policy);
  const used = policy.factors ? factorsInUse(factors) : (['questions', 'code'] as Factor[]);
  return {
    questions: used.includes('questions') ? policy.enrollment.questionsToEnroll : 0,
    addresses: used.includes('code'),
    addressRequired: ['reset', 'unlock'].some((kind) => required(factors, [factors[kind as 'reset' | 'unlock']], 'code')),
    setUpAfter: used.filter((factor): factor is SetUpAfter => factor === 'totp' || factor === 'passkey' || factor === 'recovery'),
  };
}

/** Where an enrollment stands, as "step `step` of `of`": the password, the answers and addresses, then (when the policy uses them) the app, recovery codes or passkey. */
export function enrollProgress(policy: EnrollPolicy, step: number): { step: number; of: number } {
  return { step, of: enrollmentAsks(policy).setUpAfter.length ? 3 : 2 };
}

export interface EnrollmentAnswers {
  /** One entry per question slot, in the order shown. */
  answers: { question: string; answer: string; confirm?: string }[];
  email: string;
  mobile: string;
}

/** What is wrong with the submitted answers and addresses; empty when they can be saved. */
export function enrollmentErrors(policy: EnrollPolicy & Pick<Policy, 'phone'>, input: EnrollmentAnswers): FieldError[] {
  const { questions, customQuestions, minAnswerLength } = policy.enrollment;
  const asks = enrollmentAsks(policy);
  const questionsToEnroll = asks.questions;
  const errors: FieldError[] = [];
  const seenQuestions = new Set<string>();
  const seenAnswers = new Set<string>();
  input.answers.slice(0, questionsToEnroll).forEach(({ question, answer, confirm }, i) => {
    const text = question.trim();
    if (!text) errors.push({ field: `question${i}`, code: 'LK_QUESTION_MISSING' });
    else if (!questions.includes(text) && (!customQuestions || text.length < 10 || text.length > 200)) {
      errors.push({ field: `question${i}`, code: customQuestions ? 'LK_QUESTION_LENGTH' : 'LK_QUESTION_NOT_OFFERED' });
    } else if (seenQuestions.has(text.toLowerCase())) errors.push({ field: `question${i}`, code: 'LK_QUESTION_REPEATED' });
    seenQuestions.add(text.toLowerCase());
    const normalized = normalizeAnswer(answer);
    if (normalized.length < minAnswerLength) errors.push({ field: `answer${i}`, code: 'LK_ANSWER_TOO_SHORT', params: { minLength: minAnswerLength } });
    else if (seenAnswers.has(normalized)) errors.push({ field: `answer${i}`, code: 'LK_ANSWER_REPEATED' });
    // Typed twice where the page asks so: a slip of the finger now would lock the owner out later.
    else if (confirm !== undefined && normalizeAnswer(confirm) !== normalized) errors.push({ field: `answerConfirm${i}`, code: 'LK_ANSWERS_DIFFER' });
    seenAnswers.add(normalized);
  });
  if (input.answers.length < questionsToEnroll) errors.push({ field: `question${input.answers.length}`, code: 'LK_QUESTION_MISSING' });
  const email = input.email.trim();
  const mobile = input.mobile.trim();
  if (email && !bareAddress(email)) errors.push({ field: 'email', code: 'LK_EMAIL_INVALID' });
  // The rule every code by text follows (phone.ts): a number that could not take one is refused now.
  const parsed = mobile ? parseMobile(mobile, policy.phone.defaultRegion) : null;
  if (parsed && !parsed.ok) errors.push({ field: 'mobile', code: parsed.code, ...(parsed.params ? { params: parsed.params } : {}) });
  if (asks.addressRequired && !email && !mobile) errors.push({ field: 'email', code: 'LK_CONTACT_REQUIRED' });
  return errors;
}

export type SaveOutcome = { outcome: 'done' } | { outcome: 'invalid'; errors: FieldError[] };

/** Validates and stores the enrollment, replacing any earlier one. */
export async function saveEnrollment(ctx: FlowContext, state: EnrollState, input: EnrollmentAnswers, requester: Requester): Promise<SaveOutcome> {
  if (ctx.now() > state.expiresAt) return { outcome: 'invalid', errors: [{ field: 'form', code: 'LK_FLOW_EXPIRED' }] };
  const errors = enrollmentErrors(ctx.policy, input);
  if (errors.length) return { outcome: 'invalid', errors };
  const answers = await Promise.all(
    input.answers.slice(0, enrollmentAsks(ctx.policy).questions).map(async ({ question, answer }) => ({
      question: question.trim(),
      answerHash: await hashAnswer(answer),
    })),
  );
  const before = await ctx.store.enrollments.get(state.user.guid);
  const mobile = input.mobile.trim();
  const parsed = mobile ? parseMobile(mobile, ctx.policy.phone.defaultRegion) : null;
  await ctx.store.enrollments.save({
    userGuid: state.user.guid,
    username: state.user.sam,
    email: bareAddress(input.email),
    mobile: parsed?.ok ? parsed.e164 : null,
    answers,
    now: ctx.now(),
  });
  // Enrolling again is how a user locked out of the portal gets back in.
  await clearFailures(ctx, [state.user.guid, ...(await accountNameKeys(ctx, state.user))]);
  await ctx.audit.record({
    actor: state.user.sam,
    actorGuid: state.user.guid,
    action: 'enroll',
    outcome: 'success',
    sourceIp: requester.ip,
    detail: `${answers.length} questions`,
  });
  await rememberLanguage(ctx, state.user.guid, requester.language);
  notifyOwner(ctx, { guid: state.user.guid }, 'enrollment', requester, { previousEmail: before?.email });
  return { outcome: 'done' };
}
