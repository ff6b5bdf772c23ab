import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_QUESTIONS } from '../config/default-questions.ts';
import { loadStrings, translator } from '../i18n/translate.ts';
import { questionText } from './question-text.ts';

test('a built-in question is shown in the page language; one the admin wrote is shown as written', () => {
  const german = translator(loadStrings('de').strings);
  assert.equal(questionText(german, DEFAULT_QUESTIONS[0]!), 'Wie hieß Ihr erstes Haustier?');
  assert.equal(questionText(german, 'Which ship did grandfather sail on?'), 'Which ship did grandfather sail on?');
  const english = translator(loadStrings('en').strings);
  assert.deepEqual(
    DEFAULT_QUESTIONS.map((question) => questionText(english, question)),
    [...DEFAULT_QUESTIONS],
    'the English texts are the built-in ones, word for word',
  );
});
