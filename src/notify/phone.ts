/**
 * Phone numbers for SMS, in E.164 form: "+", the country code and the number, 8 to 15 digits.
 * A number without its country code is refused rather than guessed: a wrong guess would send a
 * verification code to a stranger.
 */
import { SmsNumberInvalid } from './errors.ts';

/** `input` as E.164 (`+15550100999`), from the ways people write it; `LK_SMS_NUMBER_INVALID` otherwise. */
export function normalizePhone(input: string): string {
  const compact = input.trim().replace(/[\s\u00a0().-]/g, '');
  const digits = compact.replace(/\D/g, '').length;
  if (!/^(\+|00)?\d+$/.test(compact)) throw SmsNumberInvalid({ reason: 'characters', digits });
  // "00" is how most of the world dials out; what follows it is the country code, as after "+".
  const international = /^(\+|00)(\d+)$/.exec(compact)?.[2];
  if (international === undefined || international.startsWith('0')) {
    throw SmsNumberInvalid({ reason: 'no-country-code', digits });
  }
  if (international.length < 8 || international.length > 15) throw SmsNumberInvalid({ reason: 'length', digits });
  return `+${international}`;
}
