import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatchkeyError } from '../errors.ts';
import { isPhoneRegion, normalizePhone, parseMobile, storedMobile } from './phone.ts';

/** What `parseMobile` makes of `typed`: the E.164 number, or the problem and the field error code. */
function read(typed: string, region?: string): string {
  const parsed = parseMobile(typed, region);
  return parsed.ok ? parsed.e164 : `${parsed.problem} ${parsed.code}`;
}

test('numbers with + and the country code become E.164, however they are written', () => {
  assert.equal(read('+15550100999'), '+15550100999');
  assert.equal(read(' +1 (555) 010-0999 '), '+15550100999');
  assert.equal(read('+44.7700.900.123'), '+447700900123');
  assert.equal(read('+44 (0)7700 900123'), '+447700900123', 'the national 0 in brackets is dropped');
  assert.equal(read('+49 151/23456789'), '+4915123456789');
  assert.equal(read('+33 6 12 34 56 78'), '+33612345678');
  assert.equal(read('+1\u00a0201\u00a0555\u00a00123'), '+12015550123', 'no-break spaces, as copied from a web page');
});

test('a leading 00 is the international prefix, with or without a default region', () => {
  assert.equal(read('0044 7700 900123'), '+447700900123');
  assert.equal(read('0044 7700 900123', 'US'), '+447700900123', 'even where the prefix is 011');
  assert.equal(read('0049 151 23456789', 'DE'), '+4915123456789');
  assert.equal(read('011 44 7700 900123', 'US'), '+447700900123', "the region's own international prefix works too");
});

test('a number without its country code is read in the default region', () => {
  assert.equal(read('555 010 0999', 'US'), '+15550100999');
  assert.equal(read('(201) 555-0123', 'US'), '+12015550123');
  assert.equal(read('1-201-555-0123', 'US'), '+12015550123', 'with the national prefix 1');
  assert.equal(read('07700 900123', 'GB'), '+447700900123');
  assert.equal(read('0151 23456789', 'DE'), '+4915123456789');
  assert.equal(read('06 12 34 56 78', 'FR'), '+33612345678');
  assert.equal(read('+44 7700 900123', 'US'), '+447700900123', 'a number with + keeps its own country');
});

test('without a default region, a number without its country code is refused, not guessed', () => {
  assert.equal(read('555 010 0999'), 'no-country-code LK_MOBILE_COUNTRY_CODE');
  assert.equal(read('07700 900123'), 'no-country-code LK_MOBILE_COUNTRY_CODE');
  assert.equal(read('555 010 0999', 'XX'), 'no-country-code LK_MOBILE_COUNTRY_CODE', 'an unknown region is no region');
});

test('numbers in reserved fictional ranges are accepted: possible for their country, though no operator has them', () => {
  // The metadata's validity check refuses these; the number of digits is right.
  assert.equal(read('+1 555 010 0999'), '+15550100999');
  assert.equal(read('+44 7700 900123'), '+447700900123');
  assert.equal(read('07700 900123', 'GB'), '+447700900123');
});

test('letters, extensions and other signs are refused', () => {
  for (const typed of [
    '+1 555 CALL-NOW',
    '+1555010099;ext=2',
    '555 010 0999 x12',
    '+44 7700 900123#',
    '++15550100999',
    '+1 555 010 0999+',
    'call me maybe',
    '',
  ]) {
    assert.equal(read(typed, 'US').split(' ')[0], 'characters', typed);
  }
});

test('too short, too long and over-long input are refused as length', () => {
  assert.equal(read('+1 555 010'), 'length LK_MOBILE_INVALID', '7 digits');
  assert.equal(read('+12345678'), 'length LK_MOBILE_INVALID');
  assert.equal(read('+1234567890123456'), 'length LK_MOBILE_INVALID', '16 digits');
  assert.equal(read('+1 555 0100 9999'), 'length LK_MOBILE_INVALID', 'one digit too many for +1');
  assert.equal(read('0770 9', 'GB').split(' ')[0], 'length');
  assert.equal(read(`+44 7700 900123${' '.repeat(30)}0`), 'length LK_MOBILE_INVALID', 'longer than anyone writes a number');
  assert.equal(read('9'.repeat(5000), 'US').split(' ')[0], 'length');
});

test('an unknown country calling code is refused', () => {
  assert.equal(read('+0 7700 900123'), 'unknown-country-code LK_MOBILE_INVALID', 'no country code starts with 0');
  assert.equal(read('+0044 7700 900123'), 'unknown-country-code LK_MOBILE_INVALID', '+ and 00 together');
  assert.equal(read('+999 123 456 789'), 'unknown-country-code LK_MOBILE_INVALID');
});

test('numbers known to be landlines or service numbers are refused; where mobile and landline look alike, accepted', () => {
  assert.equal(read('020 7946 0000', 'GB'), 'not-mobile LK_MOBILE_NOT_MOBILE', 'a London landline');
  assert.equal(read('+49 30 1234567'), 'not-mobile LK_MOBILE_NOT_MOBILE', 'a Berlin landline');
  assert.equal(read('1-800-555-0199', 'US'), 'not-mobile LK_MOBILE_NOT_MOBILE', 'toll-free');
  assert.equal(read('+1 201 555 0123'), '+12015550123', 'the US numbers fixed lines and mobiles alike');
  assert.equal(read('+1 500 555 0001'), '+15005550001', 'a personal (follow-me) number: the gateway decides');
});

test('the error for an unreadable number shows the default region’s way of writing one, or + and the country code', () => {
  assert.deepEqual(parseMobile('12', 'US'), { ok: false, problem: 'length', code: 'LK_MOBILE_INVALID_LOCAL', params: { example: '(201) 555-0123' } });
  assert.deepEqual(parseMobile('12', 'GB'), { ok: false, problem: 'length', code: 'LK_MOBILE_INVALID_LOCAL', params: { example: '07400 123456' } });
  assert.deepEqual(parseMobile('+12'), { ok: false, problem: 'length', code: 'LK_MOBILE_INVALID' });
});

test('normalizePhone throws LK_SMS_NUMBER_INVALID with the problem', () => {
  assert.equal(normalizePhone('555 010 0999', 'US'), '+15550100999');
  for (const [typed, reason] of [
    ['555 010 0999', 'no-country-code'],
    ['+1 555 CALL NOW', 'characters'],
    ['+44 20', 'length'],
  ] as const) {
    assert.throws(
      () => normalizePhone(typed),
      (error) => error instanceof LatchkeyError && error.code === 'LK_SMS_NUMBER_INVALID' && error.status === 422 && error.details.reason === reason,
      typed,
    );
  }
});

test('a number stored in an older form is read as E.164 with the default region; one that cannot take a text is none', () => {
  assert.equal(storedMobile('5550100999', 'US'), '+15550100999', 'the digits an older enrollment kept');
  assert.equal(storedMobile('555 010 0999', 'US'), '+15550100999');
  assert.equal(storedMobile('00447700900123', 'US'), '+447700900123');
  assert.equal(storedMobile('+15550100999', null), '+15550100999');
  assert.equal(storedMobile('5550100999', null), null, 'without a region it cannot be placed');
  assert.equal(storedMobile('+44 20 7946 0000', 'GB'), null);
  assert.equal(storedMobile(null, 'US'), null);
  assert.equal(storedMobile('  ', 'US'), null);
});

test('a region is an upper-case ISO 3166-1 alpha-2 code the metadata knows', () => {
  for (const region of ['US', 'GB', 'DE', 'FR', 'JP', 'IN']) assert.ok(isPhoneRegion(region), region);
  for (const region of ['UK', 'us', 'XX', 'USA', 'G', '', '001']) assert.ok(!isPhoneRegion(region), region);
});
