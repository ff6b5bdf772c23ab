/**
 * Security answers: normalised so that "Rex", " rex " and "ＲＥＸ" are one answer, and kept only
 * as argon2id hashes. A check always costs one argon2 verification, also when there is nothing
 * to compare with, so its duration says nothing about the account.
 */
import { hash, verify } from '@node-rs/argon2';

/** Case, spacing and Unicode compatibility forms (NFKC) do not matter in an answer. */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The stored form of an answer. */
export function hashAnswer(answer: string): Promise<string> {
  return hash(normalizeAnswer(answer));
}

/** A hash of a value nobody can type, for checks that must fail at the usual cost. */
let decoyHash: Promise<string> | undefined;

/** Whether `answer` matches `stored`; with no stored hash, false after the same work. */
export async function verifyAnswer(stored: string | null, answer: string): Promise<boolean> {
  decoyHash ??= hash('\u0000 no answer \u0000');
  const matches = await verify(stored ?? (await decoyHash), normalizeAnswer(answer)).catch(() => false);
  return stored !== null && matches;
}
