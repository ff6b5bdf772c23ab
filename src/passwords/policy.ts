/**
 * Which of Latchkey's password rules apply to an account: the admin's policy, made stricter by
 * the policies of the groups the account is in (the strictest value of each wins), then joined
 * with the directory's own policy (its minimum length and complexity rule).
 */
import type { PasswordPolicyGroup, PasswordPolicySettings } from '../config/schema.ts';
import type { PasswordPolicy } from '../directory/password-policy.ts';
import { accountWords, type NamedAccount, type PasswordRules } from './rules.ts';

/** Latchkey's own values for one account, before the directory's are joined in. */
export type LatchkeyRules = Omit<PasswordPolicySettings, 'groups'>;

/** The stricter of two run limits, where 0 means none. */
const tighterRun = (a: number, b: number | undefined) => (b === undefined || b === 0 ? a : a === 0 ? b : Math.min(a, b));

/** `base` with each group's overrides applied: the longest minimum, the shortest maximum, every banned word and class. */
export function strictest(base: PasswordPolicySettings, groups: readonly PasswordPolicyGroup[]): LatchkeyRules {
  const { groups: _all, ...rules } = base;
  const merged: LatchkeyRules = { ...rules, bannedWords: [...rules.bannedWords], composition: [...rules.composition] };
  for (const group of groups) {
    merged.minLength = Math.max(merged.minLength, group.minLength ?? 0);
    merged.maxLength = Math.min(merged.maxLength, group.maxLength ?? merged.maxLength);
    merged.bannedWords = [...new Set([...merged.bannedWords, ...(group.bannedWords ?? [])])];
    merged.maxRepeat = tighterRun(merged.maxRepeat, group.maxRepeat);
    merged.maxSequence = tighterRun(merged.maxSequence, group.maxSequence);
    merged.composition = [...new Set([...merged.composition, ...(group.composition ?? [])])];
  }
  return merged;
}

/** Who a password is for, when known: the account and the organisation's name. */
export interface PasswordOwnerFacts {
  account: NamedAccount;
  organisation: string;
}

/**
 * The rules to check a password against: Latchkey's (`rules`), the directory's policy when known
 * (its minimum length when longer; its complexity rule), and the owner's names when known.
 */
export function passwordRules(rules: LatchkeyRules, directory: PasswordPolicy | null, owner: PasswordOwnerFacts | null): PasswordRules {
  return {
    minLength: Math.max(rules.minLength, directory?.minLength ?? 0),
    maxLength: rules.maxLength,
    names: rules.rejectNames && owner ? accountWords(owner.account, owner.organisation) : [],
    bannedWords: rules.bannedWords,
    maxRepeat: rules.maxRepeat,
    maxSequence: rules.maxSequence,
    keyboardRuns: rules.keyboardRuns,
    composition: rules.composition,
    complexity: directory?.complexity && owner ? owner.account : null,
  };
}
