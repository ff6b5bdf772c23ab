/**
 * The helpdesk verifying a caller: a code sent to the account's owner that the caller reads out,
 * the code the caller's authenticator app shows now, or the caller's answers to enrolled
 * questions drawn at random, typed by the operator (who sees neither code nor stored answers). Wrong answers and codes count per account, whichever
 * operator asked and however many codes were sent, in a counter that ending a self-service
 * lockout does not clear; past `helpdesk.callerLockout.maxWrong`, caller checks for the account
 * stop until the cool-down has passed.
 */
import { randomBytes } from 'node:crypto';
import type { DirectoryUser } from '../directory/directory.ts';
import { createError, type LatchkeyError } from '../errors.ts';
import { verifyAnswer } from '../security/answers.ts';
import type { Enrollment } from '../store/enrollments.ts';
import { type Delivery, SendCapped, sendCodeMessage } from './code-delivery.ts';
import { codeDestinations } from './code-destinations.ts';
import type { FlowContext, Requester } from './context.ts';
import { authorisedTarget, type Desk, record } from './helpdesk-guard.ts';
import { preferredLanguage } from './language-preference.ts';
import { limitKeys } from './limit-keys.ts';
import { checkTypedCode } from './one-time-codes.ts';
import { describeCap } from './send-caps.ts';
import { checkTotpCode } from './totp.ts';
import { type Channel, randomSubset } from './verification-state.ts';

export const CallerNotVerified = createError(
  'LK_CALLER_NOT_VERIFIED',
  'Verify the caller first: send them a code and type the one they read out, or ask their security questions.',
  403,
);

export const CallerChecksExhausted = createError(
  'LK_CALLER_CHECKS_EXHAUSTED',
  'Too many wrong answers or codes were given for this account, so caller checks for it are stopped for now. ' +
    'Do not change the account meanwhile; the user can still use password self-service.',
  429,
);

/** How long a passed caller verification allows resets for that account. */
export const CALLER_VERIFIED_MS = 15 * 60_000;
/** How many enrolled questions the operator asks the caller. */
export const CALLER_QUESTIONS = 2;

/** Wrong caller checks of an account, from any operator; not cleared by ending a portal lockout. */
const wrongChecksKey = (user: { guid: string }) => limitKeys.callerChecks(user.guid);
/** A verification of the caller that this operator started and that has not passed yet. */
const inProgressKey = (desk: Desk, user: { guid: string }) => limitKeys.callerVerifying(desk.session.guid, user.guid);

/** How long a verification in progress lasts: at least as long as the code it may have sent. */
function inProgressMs(ctx: FlowContext): number {
  return Math.max(CALLER_VERIFIED_MS, ctx.policy.codes.lifetimeMinutes * 60_000);
}

/** Whether the caller of `user` passed verification with this operator, recently enough. */
export function callerVerified(ctx: FlowContext, desk: Desk, user: { guid: string }): boolean {
  return (desk.session.verified[user.guid] ?? 0) > ctx.now();
}

/** Whether this operator started verifying the caller of `user` and it has neither passed nor expired. */
export async function verificationInProgress(ctx: FlowContext, desk: Desk, user: { guid: string }): Promise<boolean> {
  return (await ctx.store.throttle.peek(inProgressKey(desk, user), ctx.now())) > 0;
}

/** Whether the wrong caller checks of `user` have reached the cap of the cool-down. */
export async function callerChecksExhausted(ctx: FlowContext, user: { guid: string }): Promise<boolean> {
  return (await ctx.store.throttle.peek(wrongChecksKey(user), ctx.now())) >= ctx.policy.helpdesk.callerLockout.maxWrong;
}

/** Starts (or starts again) a verification of this caller by this operator. */
async function begin(ctx: FlowContext, desk: Desk, user: DirectoryUser, requester: Requester, how: string): Promise<void> {
  if (await callerChecksExhausted(ctx, user)) {
    await record(ctx, desk.session, user, 'caller-verification', 'refused', requester, `${how}: too many wrong caller checks`);
    throw CallerChecksExhausted({});
  }
  await ctx.store.throttle.reset(inProgressKey(desk, user));
  await ctx.store.throttle.hit(inProgressKey(desk, user), inProgressMs(ctx), ctx.now());
}

/** Ends the verification: passed (the caller is verified for a while) or one more wrong check. */
async function conclude(ctx: FlowContext, desk: Desk, user: DirectoryUser, passed: boolean): Promise<void> {
  if (passed) {
    desk.session.verified[user.guid] = ctx.now() + CALLER_VERIFIED_MS;
    await ctx.store.throttle.reset(inProgressKey(desk, user));
  } else {
    await ctx.store.throttle.hit(wrongChecksKey(user), ctx.policy.helpdesk.callerLockout.coolDownMinutes * 60_000, ctx.now());
  }
}

/** Where a caller code can go: the enrolled addresses, else the directory's (the operator confirms the caller). */
export function callerChannels(ctx: FlowContext, user: DirectoryUser, enrollment: Enrollment | null): Partial<Record<Channel, string>> {
  return codeDestinations(ctx, user, enrollment, { directoryFallback: true });
}

/**
 * The enrolled questions for the next answers check: drawn at random from all the enrolled ones,
 * and kept until that check, so that reloading the page does not offer other questions.
 */
export function callerQuestions(desk: Desk, user: DirectoryUser, enrollment: Enrollment | null): { position: number; text: string }[] {
  const enrolled = (enrollment?.answers ?? []).map(({ question }, position) => ({ position, text: question }));
  const drawn = desk.session.questions[user.guid];
  if (drawn?.every((question) => enrolled[question.position]?.text === question.text)) return drawn;
  return (desk.session.questions[user.guid] = randomSubset(enrolled, CALLER_QUESTIONS));
}

/** Sends the account's owner a code to read out to the operator, who never sees it. */
export async function sendCallerCode(ctx: FlowContext, desk: Desk, guid: string, channel: Channel, requester: Requester): Promise<void> {
  const user = await authorisedTarget(ctx, desk, guid, 'caller-verification', requester);
  const address = callerChannels(ctx, user, await ctx.store.enrollments.get(user.guid))[channel];
  if (!address) throw CallerNotVerified({});
  await begin(ctx, desk, user, requester, `code by ${channel}`);
  const flowId = randomBytes(16).toString('hex');
  const params = { organisation: ctx.policy.ui.organisation, operator: desk.session.displayName ?? desk.session.sam };
  let sent: Delivery;
  try {
    // The owner reads it, not the operator whose page asked for it: their language, if known.
    const language = await preferredLanguage(ctx, user.guid);
    sent = await sendCodeMessage(ctx, flowId, { accountGuid: user.guid, channel, address }, 'callerCode', params, language);
  } catch (error) {
    await record(ctx, desk.session, user, 'caller-verification', 'failure', requester, `code by ${channel}: ${(error as LatchkeyError).code ?? 'error'}`);
    throw error;
  }
  if (sent.outcome === 'capped') {
    await record(ctx, desk.session, user, 'send-capped', 'refused', requester, `code by ${channel}: ${describeCap(sent.cap)}`);
    throw SendCapped({});
  }
  desk.session.pending[user.guid] = { flowId, channel };
  await record(ctx, desk.session, user, 'caller-verification', 'success', requester, `code sent by ${channel}`);
}

/** Checks the code the caller read out; passing marks the caller verified for a while. */
export async function checkCallerCode(ctx: FlowContext, desk: Desk, guid: string, typed: string, requester: Requester): Promise<boolean> {
  const user = await authorisedTarget(ctx, desk, guid, 'caller-verification', requester);
  const pending = desk.session.pending[user.guid];
  if (!pending) return false;
  if (await callerChecksExhausted(ctx, user)) {
    await record(ctx, desk.session, user, 'caller-verification', 'refused', requester, 'code: too many wrong caller checks');
    throw CallerChecksExhausted({});
  }
  const result = await checkTypedCode(ctx, pending.flowId, typed);
  const passed = result === 'accepted';
  if (passed || result === 'locked' || result === 'expired') delete desk.session.pending[user.guid];
  // An expired code tells nothing about the caller; every other miss is a wrong check.
  if (result !== 'expired') await conclude(ctx, desk, user, passed);
  await record(ctx, desk.session, user, 'caller-verification', passed ? 'success' : 'refused', requester, `code: ${result}`);
  return passed;
}

/**
 * Checks the code the caller reads off their authenticator app: once only (a code read out
 * before is refused), and a miss counts as a wrong caller check like any other.
 */
export async function checkCallerTotp(ctx: FlowContext, desk: Desk, guid: string, typed: string, requester: Requester): Promise<boolean> {
  const user = await authorisedTarget(ctx, desk, guid, 'caller-verification', requester);
  await begin(ctx, desk, user, requester, 'authenticator code');
  const checked = await checkTotpCode(ctx, user.guid, typed);
  const passed = checked === 'accepted';
  await conclude(ctx, desk, user, passed);
  await record(ctx, desk.session, user, 'caller-verification', passed ? 'success' : 'refused', requester, `authenticator code: ${checked}`);
  return passed;
}

/**
 * Checks the answers the caller gives to the questions drawn for them, in the order shown. Wrong
 * answers also count toward the same portal lockout as on the public pages.
 */
export async function checkCallerAnswers(ctx: FlowContext, desk: Desk, guid: string, answers: string[], requester: Requester): Promise<boolean> {
  const user = await authorisedTarget(ctx, desk, guid, 'caller-verification', requester);
  const { maxWrongAnswers, coolDownMinutes } = ctx.policy.protection.portalLockout;
  const asked = desk.session.questions[user.guid] ?? [];
  // Each check gets a new draw.
  delete desk.session.questions[user.guid];
  const enrolled = (await ctx.store.enrollments.get(user.guid))?.answers ?? [];
  if (!asked.length || !enrolled.length) return false;
  await begin(ctx, desk, user, requester, 'answers');
  let passed = (await ctx.store.throttle.peek(limitKeys.portalLockout(user.guid), ctx.now())) < maxWrongAnswers;
  for (const [i, question] of asked.entries()) {
    const stored = enrolled[question.position];
    const hash = stored?.question === question.text ? stored.answerHash : null;
    passed = (await verifyAnswer(hash, answers[i] ?? '')) && passed;
  }
  await conclude(ctx, desk, user, passed);
  if (!passed) await ctx.store.throttle.hit(limitKeys.portalLockout(user.guid), coolDownMinutes * 60_000, ctx.now());
  await record(ctx, desk.session, user, 'caller-verification', passed ? 'success' : 'refused', requester, passed ? 'answers' : 'answers: wrong or locked');
  return passed;
}
