/** Dates, times and numbers as each language writes them, times in UTC and saying so. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatsFor } from './format.ts';

const AT = Date.UTC(2026, 11, 4, 21, 40);

test('each language writes a date, a time and a number its own way', () => {
  assert.equal(formatsFor('de').date(AT), '4. Dez. 2026');
  assert.equal(formatsFor('de').number(31337), '31.337');
  assert.equal(formatsFor('fr').number(31337).replace(/\s/g, ' '), '31 337');
  assert.equal(formatsFor('en').number(31337), '31,337');
  assert.match(formatsFor('de').dateTime(AT), /^4\. Dez\. 2026, 21:40 UTC$/);
  assert.match(formatsFor('nl').dateTime(AT), /4 dec 2026.*21:40 UTC/);
  assert.match(formatsFor('en').dateTime(AT), /Dec 4, 2026.*UTC/);
});
