/**
 * The rules list shown before a new password is typed: one entry per rule that applies, with the
 * values a browser script reads to check the password as it is typed (`data-*` attributes) and
 * the string that says it in words.
 */
import type { PasswordPolicy } from '../directory/password-policy.ts';
import type { Translate } from '../i18n/translate.ts';
import type { LatchkeyRules } from './policy.ts';

/** The ids of the rules list, as the page and its script know them. */
export type HintId =
  | 'min-length'
  | 'max-length'
  | 'no-name'
  | 'banned-words'
  | 'no-repeats'
  | 'no-sequences'
  | 'complexity'
  | 'composition'
  | 'not-breached'
  | 'history';

/** One entry of the list: `data` become `data-<name>` attributes; `text` says the rule in words. */
export interface RuleHint {
  id: HintId;
  data: Record<string, string>;
  text: string;
}

/** What the list shows. */
export interface RulesList {
  hints: RuleHint[];
  /** A fine-grained policy applies that the service account may not read: the rules may be stricter. */
  unreadablePso: boolean;
}

export interface HintInput {
  rules: LatchkeyRules;
  /** The directory's policy for the account; null when the account is not known yet. */
  directory: PasswordPolicy | null;
  /** The account's and organisation's words (accountWords) once the account is known; null before. */
  names: readonly string[] | null;
  /** Whether new passwords are screened against breached and common ones. */
  screening: boolean;
  t: Translate;
}

/** Character classes in words: "capital letters, digits". */
export function classesInWords(t: Translate, classes: readonly string[]): string {
  return classes.map((kind) => t(`password.class.${kind}`)).join(', ');
}

/** The rules list for the page, from the same values the checks use. */
export function ruleHints({ rules, directory, names, screening, t }: HintInput): RulesList {
  const hints: RuleHint[] = [];
  const add = (id: HintId, data: Record<string, string>, params?: Record<string, string | number>) => hints.push({ id, data, text: t(`rule.${id}`, params) });
  const minLength = Math.max(rules.minLength, directory?.minLength ?? 0);
  add('min-length', { min: String(minLength) }, { minLength });
  add('max-length', { max: String(rules.maxLength) }, { maxLength: rules.maxLength });
  if (rules.rejectNames) add('no-name', names ? { words: names.join(',') } : {});
  if (rules.bannedWords.length) add('banned-words', {});
  if (rules.maxRepeat) add('no-repeats', { max: String(rules.maxRepeat) }, { count: rules.maxRepeat + 1 });
  if (rules.maxSequence) add('no-sequences', { max: String(rules.maxSequence) }, { count: rules.maxSequence + 1 });
  if (directory?.complexity) add('complexity', { categories: '3' });
  if (rules.composition.length) add('composition', { classes: rules.composition.join(',') }, { classes: classesInWords(t, rules.composition) });
  if (screening) add('not-breached', {});
  if (directory?.historyLength) add('history', { count: String(directory.historyLength) }, { count: directory.historyLength });
  return { hints, unreadablePso: !!directory?.unreadablePso };
}
