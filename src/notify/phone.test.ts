import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatchkeyError } from '../errors.ts';
import { normalizePhone } from './phone.ts';

test('the usual ways of writing a number become E.164', () => {
  assert.equal(normalizePhone('+15550100999'), '+15550100999');
  assert.equal(normalizePhone(' +1 (555) 010-0999 '), '+15550100999');
  assert.equal(normalizePhone('+44.7700.900.123'), '+447700900123');
  assert.equal(normalizePhone('0044 7700 900123'), '+447700900123', '00 is the international prefix');
});

test('numbers that cannot be E.164 are refused with the reason', () => {
  const reasonOf = (input: string) => {
    try {
      normalizePhone(input);
    } catch (error) {
      assert.ok(error instanceof LatchkeyError);
      assert.equal(error.code, 'LK_SMS_NUMBER_INVALID');
      assert.equal(error.status, 422);
      return error.details.reason;
    }
    return 'accepted';
  };
  assert.equal(reasonOf('07700 900123'), 'no-country-code', 'a national number is not guessed into a country');
  assert.equal(reasonOf('5550100999'), 'no-country-code');
  assert.equal(reasonOf('+0 7700 900123'), 'no-country-code', 'no country code starts with 0');
  assert.equal(reasonOf('+1 555 010'), 'length', '7 digits');
  assert.equal(reasonOf('+1234567890123456'), 'length', '16 digits');
  assert.equal(reasonOf('+1 555 CALL-NOW'), 'characters');
  assert.equal(reasonOf('+1555010099;ext=2'), 'characters');
  assert.equal(reasonOf('++15550100999'), 'characters');
  assert.equal(reasonOf(''), 'characters');
  assert.equal(reasonOf('+12345678'), 'accepted', '8 digits is the shortest accepted');
  assert.equal(reasonOf('+123456789012345'), 'accepted', '15 digits is the longest');
});
