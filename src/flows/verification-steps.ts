/**
 * Which proofs a verification asks for, and in which order. Normally the enrolled questions come
 * first and the code after them. With auto-enrollment and codes required, the code comes first
 * for every name: an account that never enrolled answers (it verifies by a code to its directory
 * address alone) then starts exactly like an enrolled one, and the questions of an enrolled
 * account follow the accepted code.
 */
import type { Policy } from '../settings/policy.ts';
import type { VerificationState } from './verification-state.ts';

type StepPolicy = Pick<Policy, 'enrollment' | 'verification'>;

/** True when every flow starts with the code (auto-enrollment with codes required, and questions asked). */
export function codeFirst(policy: StepPolicy): boolean {
  const { questionsToAsk, requireCode } = policy.verification;
  return policy.enrollment.autoEnroll && requireCode && questionsToAsk > 0;
}

/**
 * Whether a found account can pass: it has enrolled answers, or it may verify by a code alone
 * (no questions asked, or auto-enrollment with codes required); and when a code is required,
 * it has somewhere to send one.
 */
export function canVerify(policy: StepPolicy, account: { answers: number; destinations: number }): boolean {
  const { questionsToAsk, requireCode } = policy.verification;
  const codeAlone = questionsToAsk === 0 || (policy.enrollment.autoEnroll && requireCode);
  return (account.answers > 0 || codeAlone) && (!requireCode || account.destinations > 0);
}

/** The stage a new flow starts at, given how many questions it will ask. */
export function firstStage(policy: StepPolicy, questions: number): VerificationState['stage'] {
  if (questions > 0 && !codeFirst(policy)) return 'question';
  return policy.verification.requireCode ? 'channel' : 'verified';
}

/**
 * The stage after the last question. At a question, a flow has a code channel only when its code
 * came first and was accepted (a code cannot be sent before the questions otherwise).
 */
export function stageAfterQuestions(policy: StepPolicy, state: Pick<VerificationState, 'codeChannel'>): VerificationState['stage'] {
  return state.codeChannel === null && policy.verification.requireCode ? 'channel' : 'verified';
}

/** The stage after an accepted code: the questions still to answer (code first), else done. */
export function stageAfterCode(state: Pick<VerificationState, 'questionIndex' | 'questions'>): VerificationState['stage'] {
  return state.questionIndex < state.questions.length ? 'question' : 'verified';
}
