/**
 * Mobile numbers, the one rule for all of Latchkey: enrollment, the `mobile` attribute on `/me`,
 * the helpdesk's caller codes, the reset and unlock codes and the SMS sender itself. A number is
 * parsed with libphonenumber-js (its full metadata), checked, and kept and sent as E.164 (`+`,
 * the country code and the number). A number typed without its country code is read as a
 * number of the default region (`phone.defaultRegion`); without a default region it is refused
 * rather than guessed, since a wrong guess would send a verification code to a stranger.
 *
 * A number stored before this rule (with spaces, or without +) goes through the same parser
 * when it is read, so the person who enrolled it still gets a code.
 */
import {
  type CountryCode,
  getExampleNumber,
  isSupportedCountry,
  type NumberType,
  ParseError,
  type PhoneNumber,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { type PhoneProblem, SmsNumberInvalid } from './errors.ts';

/** A country as ISO 3166-1 alpha-2 (`US`, `GB`, `DE`) that the numbering metadata knows. */
export type PhoneRegion = CountryCode;

/** Whether `value` is a country code (upper case, ISO 3166-1 alpha-2) numbers can be read in. */
export function isPhoneRegion(value: string): value is PhoneRegion {
  return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
}

/** Why a number cannot take a text (declared with the error that carries it). */
export type { PhoneProblem };

/** The field error codes of a refused mobile number; each has its words in the strings. */
export type MobileErrorCode = 'LK_MOBILE_INVALID' | 'LK_MOBILE_INVALID_LOCAL' | 'LK_MOBILE_COUNTRY_CODE' | 'LK_MOBILE_NOT_MOBILE';

/** A typed or stored number read by the rule: its E.164 form, or why not and the field error to show. */
export type ParsedMobile = { ok: true; e164: string } | { ok: false; problem: PhoneProblem; code: MobileErrorCode; params?: Record<string, string> };

/** Longer than any number a person writes out, with spaces and brackets. */
const MAX_TYPED_LENGTH = 40;
/** The signs people write between digits; anything else (letters, `;ext=`, `#`) is refused. */
const ALLOWED = /^\+?[\d\s\u00a0().\-/]+$/;
/**
 * The types no text reaches a person at: landlines, and numbers that ring a service. Mobile
 * numbers, and fixed-line-or-mobile (where a region, the US among them, cannot tell the two
 * apart) pass; so do pagers, personal (follow-me) and VoIP numbers, which some gateways reach.
 */
const UNTEXTABLE: ReadonlySet<NumberType> = new Set<NumberType>(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL']);

/** `defaultRegion` when it names a region numbers can be read in; anything else is no region. */
function regionOf(defaultRegion: string | null | undefined): PhoneRegion | undefined {
  return defaultRegion && isPhoneRegion(defaultRegion) ? defaultRegion : undefined;
}

/**
 * `typed` as E.164, or why not with the field error to show. A number with + (or 00, the way
 * most of the world dials abroad) is read as international; any other in `defaultRegion`,
 * where that region's own ways of writing it work too (`07700 900123` in GB, `(201) 555-0123`
 * in the US).
 */
export function parseMobile(typed: string, defaultRegion?: string | null): ParsedMobile {
  const region = regionOf(defaultRegion);
  const refuse = (problem: PhoneProblem): ParsedMobile => ({ ok: false, problem, ...fieldErrorOf(problem, region) });
  const text = typed.trim();
  if (text.length > MAX_TYPED_LENGTH) return refuse('length');
  if (!ALLOWED.test(text)) return refuse('characters');
  const digits = text.replace(/\D/g, '');
  // "00" then the country code is international in every region; "0044…" is never a national number.
  const international = text.startsWith('+') ? `+${digits}` : digits.startsWith('00') ? `+${digits.slice(2)}` : null;
  if (!international && !region) return refuse('no-country-code');
  let number: PhoneNumber;
  try {
    number = parsePhoneNumberWithError(international ?? text, region ? { defaultCountry: region } : undefined);
  } catch (error) {
    if (error instanceof ParseError && error.message === 'INVALID_COUNTRY') return refuse(international ? 'unknown-country-code' : 'no-country-code');
    return refuse('length');
  }
  // Possible (the right number of digits for the country), not necessarily valid: the metadata
  // knows only the ranges allocated when it was made, so new ranges and reserved fictional ones
  // (+1 555 01xx, +44 7700 900xxx, used in tests and examples) fail its validity check though
  // texts reach them or are meant to. Refusing them would lock people out; the gateway is the
  // final judge of whether a number takes texts.
  if (!number.isPossible()) return refuse('length');
  // A number the metadata knows for sure is a landline or a service number cannot take texts.
  const type = number.isValid() ? number.getType() : undefined;
  if (type !== undefined && UNTEXTABLE.has(type)) return refuse('not-mobile');
  return { ok: true, e164: number.number };
}

/** The field error code and its parameters for `problem`, worded for whether a region is set. */
function fieldErrorOf(problem: PhoneProblem, region: PhoneRegion | undefined): { code: MobileErrorCode; params?: Record<string, string> } {
  if (problem === 'no-country-code') return { code: 'LK_MOBILE_COUNTRY_CODE' };
  if (problem === 'not-mobile') return { code: 'LK_MOBILE_NOT_MOBILE' };
  const example = region && getExampleNumber(region, examples);
  return example ? { code: 'LK_MOBILE_INVALID_LOCAL', params: { example: example.formatNational() } } : { code: 'LK_MOBILE_INVALID' };
}

/** `typed` as E.164 (`+15550100999`); `LK_SMS_NUMBER_INVALID` (with the problem) otherwise. */
export function normalizePhone(typed: string, defaultRegion?: string | null): string {
  const parsed = parseMobile(typed, defaultRegion);
  if (parsed.ok) return parsed.e164;
  throw SmsNumberInvalid({ reason: parsed.problem, digits: typed.replace(/\D/g, '').length });
}

/**
 * A mobile number as read from the enrollment store or the directory, in E.164; null when there
 * is none or it cannot take a text (such a number is not offered, as a decoy's always works).
 */
export function storedMobile(stored: string | null | undefined, defaultRegion?: string | null): string | null {
  if (!stored?.trim()) return null;
  const parsed = parseMobile(stored, defaultRegion);
  return parsed.ok ? parsed.e164 : null;
}
