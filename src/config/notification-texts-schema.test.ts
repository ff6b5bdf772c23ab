/**
 * The admin's message texts per language: the texts saved before languages (one flat map) stay
 * valid and are the default language's; a language's own go under its tag; nothing else passes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notificationTextsIn, notificationTextsSchema } from './notification-texts-schema.ts';

test('flat texts, as saved before languages, stay valid and belong to the default language only', () => {
  const texts = notificationTextsSchema.parse({ 'mail.code.subject': 'Your code' });
  assert.deepEqual(notificationTextsIn(texts, 'en', 'en'), { 'mail.code.subject': 'Your code' });
  assert.deepEqual(notificationTextsIn(texts, 'de', 'en'), {});
  assert.deepEqual(notificationTextsIn(texts, 'de', 'de'), { 'mail.code.subject': 'Your code' }, 'whatever the default language is');
});

test("a language's own texts apply to it, over the unmarked ones", () => {
  const texts = notificationTextsSchema.parse({ 'sms.code': 'unmarked', de: { 'sms.code': 'Ihr Code' }, en: { 'sms.code': 'English' } });
  assert.deepEqual(notificationTextsIn(texts, 'de', 'en'), { 'sms.code': 'Ihr Code' });
  assert.deepEqual(notificationTextsIn(texts, 'en', 'en'), { 'sms.code': 'English' });
  assert.deepEqual(notificationTextsIn(texts, 'fr', 'en'), {});
});

test('an unknown language, a key that is no message text, or texts where a text belongs are refused', () => {
  for (const wrong of [{ xx: { 'sms.code': 'x' } }, { 'app.title': 'x' }, { de: { 'app.title': 'x' } }, { 'mail.code.subject': { de: 'x' } }, { de: 'text' }]) {
    assert.equal(notificationTextsSchema.safeParse(wrong).success, false, JSON.stringify(wrong));
  }
});
