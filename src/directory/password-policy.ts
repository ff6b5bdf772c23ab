/**
 * Password rules as AD applies them: the domain policy or a fine-grained one (PSO), and the
 * checks that can be made before the directory is asked, so a user sees which rule failed.
 */
import { intervalToMs } from './ad-values.ts';
import type { PolicyRule } from './errors.ts';

export interface PasswordPolicy {
  /** Where the rules come from: the domain head, or a fine-grained Password Settings Object. */
  source: 'domain' | 'fine-grained';
  /** The PSO's name when source is fine-grained. */
  name: string | null;
  /**
   * The name of a fine-grained policy that applies but whose settings the service account may
   * not read (by default only admins can): the rules here are then the domain's and may be laxer.
   */
  unreadablePso: string | null;
  minLength: number;
  /** "Password must meet complexity requirements". */
  complexity: boolean;
  historyLength: number;
  /** How long a password must be kept before the user may change it. */
  minAgeMs: number;
  /** When a password expires; null when passwords never expire. */
  maxAgeMs: number | null;
  /** Wrong passwords before a lockout; 0 means accounts never lock. */
  lockoutThreshold: number;
  /** How long a lockout lasts; null means until an administrator unlocks. */
  lockoutDurationMs: number | null;
  /** The window in which wrong passwords are counted. */
  lockoutWindowMs: number | null;
}

/** pwdProperties bit 1: DOMAIN_PASSWORD_COMPLEX. */
const DOMAIN_PASSWORD_COMPLEX = 0x1;

/** Attributes of the domain head that hold the domain policy. */
export const DOMAIN_POLICY_ATTRIBUTES = [
  'minPwdLength',
  'pwdProperties',
  'pwdHistoryLength',
  'minPwdAge',
  'maxPwdAge',
  'lockoutThreshold',
  'lockoutDuration',
  'lockOutObservationWindow',
] as const;

/** Attributes of a msDS-PasswordSettings object (PSO). */
export const PSO_ATTRIBUTES = [
  'name',
  'msDS-MinimumPasswordLength',
  'msDS-PasswordComplexityEnabled',
  'msDS-PasswordHistoryLength',
  'msDS-MinimumPasswordAge',
  'msDS-MaximumPasswordAge',
  'msDS-LockoutThreshold',
  'msDS-LockoutDuration',
  'msDS-LockoutObservationWindow',
] as const;

type Values = Readonly<Record<string, string | undefined>>;

const int = (value: string | undefined) => (value === undefined || value === '' ? 0 : Number(value));
/** maxPwdAge 0 and "forever" both mean passwords never expire. */
const maxAge = (value: string | undefined) => {
  const ms = intervalToMs(value);
  return ms === 0 ? null : ms;
};

/** The domain policy from the domain head's attributes. */
export function domainPolicy(values: Values): PasswordPolicy {
  return {
    source: 'domain',
    name: null,
    unreadablePso: null,
    minLength: int(values.minPwdLength),
    complexity: (int(values.pwdProperties) & DOMAIN_PASSWORD_COMPLEX) !== 0,
    historyLength: int(values.pwdHistoryLength),
    minAgeMs: intervalToMs(values.minPwdAge) ?? 0,
    maxAgeMs: maxAge(values.maxPwdAge),
    lockoutThreshold: int(values.lockoutThreshold),
    lockoutDurationMs: intervalToMs(values.lockoutDuration),
    lockoutWindowMs: intervalToMs(values.lockOutObservationWindow),
  };
}

/** A fine-grained policy from a PSO's attributes. */
export function fineGrainedPolicy(values: Values): PasswordPolicy {
  return {
    source: 'fine-grained',
    name: values.name ?? null,
    unreadablePso: null,
    minLength: int(values['msDS-MinimumPasswordLength']),
    complexity: values['msDS-PasswordComplexityEnabled']?.toUpperCase() === 'TRUE',
    historyLength: int(values['msDS-PasswordHistoryLength']),
    minAgeMs: intervalToMs(values['msDS-MinimumPasswordAge']) ?? 0,
    maxAgeMs: maxAge(values['msDS-MaximumPasswordAge']),
    lockoutThreshold: int(values['msDS-LockoutThreshold']),
    lockoutDurationMs: intervalToMs(values['msDS-LockoutDuration']),
    lockoutWindowMs: intervalToMs(values['msDS-LockoutObservationWindow']),
  };
}

/** Who the password is for: complexity forbids parts of the account and display names. */
export interface PasswordOwner {
  samAccountName: string;
  displayName: string | null;
}

/** Delimiters Windows splits a display name at before looking for its parts in a password. */
const DISPLAY_NAME_DELIMITERS = /[,.\-_#\t ]+/;

/**
 * The rules a candidate password breaks that can be known before asking the DC: length, and
 * Windows' complexity definition (three of five character classes; no account name; no part
 * of the display name of three or more characters). History and minimum age only the DC knows.
 */
export function checkPassword(policy: PasswordPolicy, password: string, owner: PasswordOwner): PolicyRule[] {
  const broken: PolicyRule[] = [];
  // Windows counts UTF-16 code units, as JavaScript's length does.
  if (password.length < policy.minLength) broken.push('too-short');
  if (policy.complexity && !isComplex(password, owner)) broken.push('complexity');
  return broken;
}

/** The kinds of character Windows' complexity rule counts that a person can be told to add. */
export type ComplexityClass = 'upper' | 'lower' | 'digit' | 'symbol';

const COMPLEXITY_CLASSES: readonly { name: ComplexityClass | 'caseless'; pattern: RegExp }[] = [
  { name: 'upper', pattern: /\p{Lu}/u },
  { name: 'lower', pattern: /\p{Ll}/u },
  { name: 'digit', pattern: /[0-9]/ }, // base-10 digits
  { name: 'symbol', pattern: /[^\p{L}\p{N}]/u },
  { name: 'caseless', pattern: /[\p{Lo}\p{Lt}\p{Lm}]/u }, // letters without case (e.g. Asian scripts)
];

/** What Windows' complexity rule finds wrong with a password, so that it can be explained. */
export interface ComplexityFindings {
  /** The kinds of character it lacks (of the four a keyboard offers). */
  missing: ComplexityClass[];
  /** How many more kinds it needs to reach three. */
  short: number;
  /** It holds the account name or a part of the display name of three or more characters. */
  containsName: boolean;
}

/** Windows' complexity definition applied to `password`: three of five character classes, and no name. */
export function complexityFindings(password: string, owner: PasswordOwner): ComplexityFindings {
  const lower = password.toLowerCase();
  const sam = owner.samAccountName.toLowerCase();
  const nameParts = (owner.displayName ?? '').split(DISPLAY_NAME_DELIMITERS).filter((part) => part.length >= 3);
  const containsName = (sam.length >= 3 && lower.includes(sam)) || nameParts.some((part) => lower.includes(part.toLowerCase()));
  const present = COMPLEXITY_CLASSES.filter(({ pattern }) => pattern.test(password));
  const missing = COMPLEXITY_CLASSES.filter((kind) => !present.includes(kind) && kind.name !== 'caseless').map((kind) => kind.name as ComplexityClass);
  return { missing, short: Math.max(0, 3 - present.length), containsName };
}

function isComplex(password: string, owner: PasswordOwner): boolean {
  const findings = complexityFindings(password, owner);
  return !findings.containsName && findings.short === 0;
}

/** The wrong-password facts of an account, as its DC keeps them. */
export interface BadPasswordState {
  badPasswordCount: number;
  lastBadPasswordAt: Date | null;
}

/**
 * Whether one more wrong password would lock the account: its DC has counted threshold - 1
 * wrong ones within the observation window. AD keeps the stored count after the window passes
 * (it starts over at the next wrong password), so an old count does not count.
 */
export function lockoutImminent(policy: PasswordPolicy, state: BadPasswordState, now: number): boolean {
  if (policy.lockoutThreshold <= 0 || state.badPasswordCount < policy.lockoutThreshold - 1) return false;
  if (policy.lockoutWindowMs === null || !state.lastBadPasswordAt) return true;
  return state.lastBadPasswordAt.getTime() + policy.lockoutWindowMs > now;
}
