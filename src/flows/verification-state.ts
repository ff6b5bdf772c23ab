/** A reset or unlock verification in progress: its shape, and the rule that its steps come in order. */
import { randomInt } from 'node:crypto';
import type { Factor } from '../config/factors-schema.ts';
import { createError } from '../errors.ts';
import type { FlowContext } from './context.ts';

export type VerificationKind = 'reset' | 'unlock';
export type Channel = 'email' | 'sms';

/** Why a flow is a decoy; recorded in the audit trail, never shown. */
export type DecoyReason = 'unknown-name' | 'not-enrolled' | 'bot';

/** A verification in progress, kept server-side in the session. */
export interface VerificationState {
  kind: VerificationKind;
  /** Random id: keys the code and ties a code to this attempt only. */
  flowId: string;
  /** The account; null in a decoy flow. */
  user: { guid: string; sam: string; displayName?: string | null } | null;
  decoy: DecoyReason | null;
  /** Keyed fingerprint of the typed name: decoy seed, and the lockout key of unknown names. */
  nameKey: string;
  /**
   * The questions to ask, in order; `position` is the enrolled answer's position. An account
   * without answers (and a decoy) is asked questions fixed per name, that no answer passes.
   */
  questions: { position: number; text: string }[];
  /** Whether the account has answers of its own (false for a decoy). */
  questionsEnrolled: boolean;
  questionIndex: number;
  /** The choice of a factor, a factor's page, or done. */
  stage: 'choose' | 'question' | 'channel' | 'code' | 'totp' | 'recovery' | 'passkey' | 'verified';
  /** The factors passed so far, in order. */
  passed: Factor[];
  /** SIDs of the stricter groups the account is a member of: read after a factor passed, never before. */
  strictGroups: string[];
  /** Where a code can go, masked for display: every channel before anything is proven, the account's own after. */
  channels: { channel: Channel; masked: string }[];
  /** The channel page's choices once a factor has passed (a stand-in when the account has no address). */
  provenChannels: { channel: Channel; masked: string }[];
  /** The passkey page's challenge and the options it shows (JSON), fresh for each try. */
  passkey: { challenge: string; options: string } | null;
  /** Recovery codes left after one was used, shown on the pages that follow. */
  recoveryCodesLeft: number | null;
  codeChannel: Channel | null;
  codeSentAt: number | null;
  expiresAt: number;
}

/** Refusals after a successful verification: the person proved who they are, so they are told. */
export type VerifiedRefusal = 'protected' | 'disabled' | 'gone';

/** How long a verification may take from start to finish. */
export const FLOW_LIFETIME_MS = 20 * 60_000;

export const StepOutOfOrder = createError(
  'LK_STEP_OUT_OF_ORDER',
  'This page does not follow from where you were (a step was skipped, sent twice or has expired). Start again.',
  409,
);

/** Refuses a step the state is not at (skipped, replayed or expired). */
export function expectStage(ctx: FlowContext, state: VerificationState, stage: VerificationState['stage']): void {
  if (state.stage !== stage || ctx.now() > state.expiresAt) throw StepOutOfOrder({});
}

/** `count` items of `items` in a random order (a new draw for every flow). */
export function randomSubset<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length) picked.push(pool.splice(randomInt(pool.length), 1)[0]!);
  return picked;
}
