/**
 * Latchkey's own password rules, as pure checks of one candidate password: length, names,
 * banned words (also disguised: P@ssw0rd is password), runs of one character, sequences,
 * composition, and the directory's complexity rule explained. Each refusal is a rule id and
 * the values that explain it; the flows turn them into words, the audit and the metrics.
 */
import type { CHARACTER_CLASSES } from '../config/password-policy-schema.ts';
import { type ComplexityClass, complexityFindings, type PasswordOwner } from '../directory/password-policy.ts';

/** A kind of character a composition rule may require. */
export type CharacterClass = (typeof CHARACTER_CLASSES)[number];

/** Latchkey's rules, by the ids the page, the audit and the metrics use. */
export type RuleId = 'min-length' | 'max-length' | 'no-name' | 'banned-words' | 'no-repeats' | 'no-sequences' | 'complexity' | 'composition';

/** Everything one password is checked against (the strictest values that apply to its account). */
export interface PasswordRules {
  /** The longer of Latchkey's minimum and the directory's. */
  minLength: number;
  maxLength: number;
  /** Lower-case words of the account and the organisation the password must not contain (empty: none). */
  names: readonly string[];
  bannedWords: readonly string[];
  /** The longest run of one character allowed; 0 allows any. */
  maxRepeat: number;
  /** The longest ascending or descending run allowed; 0 allows any. */
  maxSequence: number;
  keyboardRuns: boolean;
  composition: readonly CharacterClass[];
  /** The directory's complexity rule and whose names it forbids; null when it is off. */
  complexity: PasswordOwner | null;
}

/** Why a password is refused: the rule, and the values that explain it (never the password). */
export type Refusal =
  | { rule: 'min-length'; params: { minLength: number } }
  | { rule: 'max-length'; params: { maxLength: number } }
  | { rule: 'no-name'; params: Record<string, never> }
  | { rule: 'banned-words'; params: { word: string } }
  | { rule: 'no-repeats'; params: { max: number } }
  | { rule: 'no-sequences'; params: { max: number } }
  | { rule: 'complexity'; params: { missing: ComplexityClass[]; short: number; containsName: boolean } }
  | { rule: 'composition'; params: { missing: CharacterClass[] } };

const CLASS_PATTERNS: Readonly<Record<CharacterClass, RegExp>> = {
  upper: /\p{Lu}/u,
  lower: /\p{Ll}/u,
  digit: /\p{Nd}/u,
  symbol: /[^\p{L}\p{N}]/u,
};

/** What each character may stand for when it disguises a letter (besides itself). */
const SUBSTITUTIONS: Readonly<Record<string, string>> = {
  '@': 'a',
  '4': 'a',
  '8': 'b',
  '(': 'c',
  '3': 'e',
  '6': 'g',
  '9': 'g',
  '#': 'h',
  '1': 'il',
  '!': 'il',
  '|': 'il',
  '0': 'o',
  '5': 's',
  $: 's',
  '7': 't',
  '+': 't',
  '2': 'z',
};

/** Keyboard rows (a QWERTY layout) whose runs count as sequences. */
const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Lower case without accents, one array entry per character: what the word checks compare. */
function folded(text: string): string[] {
  return [...text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()];
}

/** Whether `password` holds `word` (already folded), also where characters stand in for its letters. */
export function containsDisguised(password: string, word: string): boolean {
  const typed = folded(password);
  const wanted = folded(word);
  if (!wanted.length) return false;
  for (let start = 0; start + wanted.length <= typed.length; start++) {
    if (wanted.every((letter, i) => typed[start + i] === letter || (SUBSTITUTIONS[typed[start + i]!] ?? '').includes(letter))) return true;
  }
  return false;
}

/** The longest run of one character (case does not matter). */
export function longestRepeat(password: string): number {
  const chars = folded(password);
  let longest = chars.length ? 1 : 0;
  for (let i = 1, run = 1; i < chars.length; i++) {
    run = chars[i] === chars[i - 1] ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

const kindOf = (char: string) => (/[a-z]/.test(char) ? 'letter' : /[0-9]/.test(char) ? 'digit' : null);

/** The longest ascending or descending run of letters or digits (abcd, 4321), and with `keyboard`, along a keyboard row. */
export function longestSequence(password: string, keyboard: boolean): number {
  const chars = folded(password);
  let longest = chars.length ? 1 : 0;
  for (let i = 1, run = 1, step = 0; i < chars.length; i++) {
    const kind = kindOf(chars[i]!);
    const delta = chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!;
    if (kind && kind === kindOf(chars[i - 1]!) && Math.abs(delta) === 1) {
      run = run > 1 && delta === step ? run + 1 : 2;
      step = delta;
    } else {
      run = 1;
    }
    longest = Math.max(longest, run);
  }
  if (!keyboard) return longest;
  const rows = KEYBOARD_ROWS.flatMap((row) => [row, [...row].reverse().join('')]);
  for (let i = 0; i < chars.length; i++) {
    for (const row of rows) {
      let at = row.indexOf(chars[i]!);
      if (at < 0) continue;
      let run = 1;
      while (row[at + 1] !== undefined && chars[i + run] === row[at + 1]) {
        run++;
        at++;
      }
      longest = Math.max(longest, run);
    }
  }
  return longest;
}

/** The character classes of `required` that `password` lacks. */
export function missingClasses(password: string, required: readonly CharacterClass[]): CharacterClass[] {
  return required.filter((kind) => !CLASS_PATTERNS[kind].test(password));
}

/** Every rule `password` breaks, in the order the page lists them; empty when it passes. */
export function checkRules(rules: PasswordRules, password: string): Refusal[] {
  const refusals: Refusal[] = [];
  // AD counts UTF-16 code units, as JavaScript's length does.
  if (password.length < rules.minLength) refusals.push({ rule: 'min-length', params: { minLength: rules.minLength } });
  if (password.length > rules.maxLength) refusals.push({ rule: 'max-length', params: { maxLength: rules.maxLength } });
  const lower = password.toLowerCase();
  if (rules.names.some((name) => lower.includes(name))) refusals.push({ rule: 'no-name', params: {} });
  const banned = rules.bannedWords.find((word) => containsDisguised(password, word));
  if (banned !== undefined) refusals.push({ rule: 'banned-words', params: { word: banned.toLowerCase() } });
  if (rules.maxRepeat && longestRepeat(password) > rules.maxRepeat) refusals.push({ rule: 'no-repeats', params: { max: rules.maxRepeat } });
  if (rules.maxSequence && longestSequence(password, rules.keyboardRuns) > rules.maxSequence)
    refusals.push({ rule: 'no-sequences', params: { max: rules.maxSequence } });
  const missing = missingClasses(password, rules.composition);
  if (missing.length) refusals.push({ rule: 'composition', params: { missing } });
  if (rules.complexity) {
    const findings = complexityFindings(password, rules.complexity);
    // A name already refused by no-name is not said twice.
    const containsName = findings.containsName && !refusals.some((refusal) => refusal.rule === 'no-name');
    if (findings.short > 0 || containsName) refusals.push({ rule: 'complexity', params: { missing: findings.missing, short: findings.short, containsName } });
  }
  return refusals;
}

/** Delimiters a name is split at into the parts a password must not contain (Windows' own, brackets and quotes). */
const NAME_DELIMITERS = /[\s,.\-_#@()[\]'"/\\]+/;

/** What identifies an account and its organisation, as a password must not contain them. */
export interface NamedAccount {
  samAccountName: string;
  userPrincipalName: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
}

/**
 * The lower-case words a password must not contain for `account`: its account name, the UPN's
 * local part, every part of three or more characters of its given name, surname and display
 * name, and the organisation's name (whole, and its parts of four or more characters, so that
 * "The" or "Ltd" do not refuse ordinary words).
 */
export function accountWords(account: NamedAccount, organisation: string): string[] {
  const parts = (text: string | null, least: number) =>
    (text ?? '')
      .toLowerCase()
      .split(NAME_DELIMITERS)
      .filter((part) => part.length >= least);
  const words = [
    account.samAccountName.toLowerCase(),
    (account.userPrincipalName ?? '').split('@')[0]!.toLowerCase(),
    ...parts(account.givenName, 3),
    ...parts(account.surname, 3),
    ...parts(account.displayName, 3),
    organisation.toLowerCase().replace(/\s+/g, ''),
    ...parts(organisation, 4),
  ];
  return [...new Set(words.filter((word) => word.length >= 3))];
}
