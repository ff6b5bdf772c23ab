/**
 * Passwords the helpdesk generates: readable groups of four characters that pass every rule
 * that applies to the account and screening, drawn again until one does.
 */
import { randomInt } from 'node:crypto';
import type { FieldError } from '../field-errors.ts';
import { checkRules, type PasswordRules } from '../passwords/rules.ts';
import type { FlowContext } from './context.ts';
import { type PasswordCheck, screenErrors } from './new-password.ts';

/** Letters and digits that cannot be mistaken for one another when read out or typed. */
const READABLE = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Draws before giving up on rules no generated password can meet (a fault in the settings). */
const MAX_DRAWS = 10_000;
/** Candidates screened before giving up (each one the screen finds is drawn again). */
const MAX_SCREENED = 20;

/** How long a generated password is once its groups are joined by dashes. */
const joinedLength = (characters: number) => characters + Math.ceil(characters / 4) - 1;

/**
 * A strong password that people can read and type: `length` readable characters in groups of
 * four joined by dashes, with capitals, small letters and digits, for which `accept` is true.
 */
export function generatePassword(length: number, accept: (candidate: string) => boolean): string {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const characters = Array.from({ length }, () => READABLE[randomInt(READABLE.length)]).join('');
    const candidate = characters.match(/.{1,4}/g)!.join('-');
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /\d/.test(candidate) && accept(candidate)) return candidate;
  }
  throw new Error(`no generated password of ${length} characters meets the password rules`);
}

/**
 * A generated password for an account with `rules`: `wanted` characters (more when the rules ask
 * for more, fewer when the dashes would pass the maximum), meeting every rule, and clear of
 * screening; or the field errors when screening cannot be done.
 */
export async function generateAccepted(
  ctx: FlowContext,
  rules: PasswordRules,
  wanted: number,
  check: PasswordCheck,
): Promise<{ password: string } | { errors: FieldError[] }> {
  let length = Math.max(wanted, rules.minLength);
  while (length > 1 && joinedLength(length) > rules.maxLength) length--;
  for (let screened = 0; screened < MAX_SCREENED; screened++) {
    const password = generatePassword(length, (candidate) => checkRules(rules, candidate).length === 0);
    const verdict = await ctx.screen.check(password);
    // Found in a breach or on the common list: another is drawn. Unanswerable: said as for a typed one.
    if (verdict.outcome === 'breached' || verdict.outcome === 'common') continue;
    const errors = await screenErrors(ctx, password, check, verdict);
    return errors.length ? { errors } : { password };
  }
  throw new Error('every generated password was found by the password screen');
}
