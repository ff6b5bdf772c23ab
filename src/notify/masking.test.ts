import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskEmail, maskPhone } from './masking.ts';

test('an e-mail address shows its first character and its domain only', () => {
  assert.equal(maskEmail('jsmith@corp.example'), 'j•••••@corp.example');
  assert.equal(maskEmail('  Jane.Smith+codes@mail.corp.example '), 'J•••••@mail.corp.example');
});

test('the mask is as long for a long name as for a short one', () => {
  assert.equal(maskEmail('ab@x.example').length, maskEmail('abcdefghijklmnop@x.example').length);
});

test('odd addresses reveal no more than the first character and the domain', () => {
  assert.equal(maskEmail('j@corp.example'), '•••••@corp.example', 'a one-letter name would be shown whole');
  assert.equal(maskEmail('@corp.example'), '•••••@corp.example');
  assert.equal(maskEmail('"a@b"@corp.example'), '"•••••@corp.example', 'the domain is after the last @');
  assert.equal(maskEmail('jsmith'), 'j•••••');
  assert.equal(maskEmail(''), '•••••');
  assert.equal(maskEmail('😀smith@x.example'), '😀•••••@x.example', 'a character is not cut in half');
});

test('a phone number shows the "+" and its last four digits only', () => {
  assert.equal(maskPhone('+15550100999'), '+•••••••0999');
  assert.equal(maskPhone('+44 7700 900-123'), '+•••••••0123');
  assert.equal(maskPhone('+4915112345678').length, maskPhone('+15550100999').length);
});

test('a short or odd number reveals no digits', () => {
  assert.equal(maskPhone('+12345'), '+•••••••');
  assert.equal(maskPhone(''), '•••••••');
  assert.equal(maskPhone('call me'), '•••••••');
  assert.equal(maskPhone('07700900123'), '•••••••0123');
});
