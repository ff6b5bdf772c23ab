/** Failure reasons from the audit trail, in words for the admin. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrings, translator } from '../../i18n/translate.ts';
import { reasonInWords } from './reasons.ts';

const t = translator(loadStrings('en').strings);

test('tags and codes are said in words; anything unknown stays as recorded', () => {
  assert.equal(reasonInWords(t, 'change: invalid-credentials'), 'Wrong password');
  assert.equal(reasonInWords(t, 'account sign-in: rate-limited'), 'Too many attempts (throttled)');
  assert.equal(reasonInWords(t, 'LK_WRITE_OUTCOME_UNKNOWN'), 'The connection to the directory broke during the write: outcome unknown');
  assert.equal(reasonInWords(t, 'LK_ACCOUNT_DISABLED'), t('LK_ACCOUNT_DISABLED'), 'a code without an admin wording: the message people saw');
  assert.equal(reasonInWords(t, 'something new'), 'something new');
});
