/**
 * Every language is complete: each file has exactly the keys of en.json, each text the same
 * {placeholders}, and none left in English by mistake where a translation is expected.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { direction, LANGUAGES, negotiate, supportedLanguage } from './languages.ts';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'strings');
const read = (language: string) => JSON.parse(readFileSync(join(folder, `${language}.json`), 'utf8')) as Record<string, string>;
const english = read('en');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();

describe('the resource files', () => {
  for (const language of LANGUAGES.filter((language) => language !== 'en')) {
    test(`${language}.json has every key of en.json, no other, and the same placeholders`, () => {
      const strings = read(language);
      const missing = Object.keys(english).filter((key) => !(key in strings));
      const extra = Object.keys(strings).filter((key) => !(key in english));
      assert.deepEqual(missing, [], `${language}.json lacks: ${missing.join(', ')}`);
      assert.deepEqual(extra, [], `${language}.json has keys en.json does not: ${extra.join(', ')}`);
      for (const [key, text] of Object.entries(english)) {
        assert.deepEqual(placeholders(strings[key]!), placeholders(text), `${language}.json ${key}: placeholders differ from English`);
        assert.ok(strings[key]!.trim(), `${language}.json ${key} is empty`);
      }
    });

    test(`${language}.json is translated, not copied (sentences differ from English)`, () => {
      const strings = read(language);
      // A sentence of six or more words left as in English is a forgotten translation.
      const copied = Object.keys(english).filter((key) => english[key]!.split(' ').length >= 6 && strings[key] === english[key]);
      assert.deepEqual(copied, [], `${language}.json still has English: ${copied.join(', ')}`);
    });
  }
});

describe('choosing the language', () => {
  const choose = (acceptLanguage?: string, cookie?: string) => negotiate({ acceptLanguage, cookie }, 'en');

  test('the browser’s preferences by q-value', () => {
    assert.equal(choose('fr;q=0.5, nl;q=0.9, en;q=0.1'), 'nl');
    assert.equal(choose('ja, es;q=0.8'), 'es', 'an unsupported first choice gives way to a supported later one');
  });

  test('a region falls back to its language', () => {
    assert.equal(choose('de-CH'), 'de');
    assert.equal(choose('fr-CA, en;q=0.5'), 'fr');
  });

  test('nothing supported, nothing asked or anything accepted: the default', () => {
    assert.equal(choose('ja, zh-CN'), 'en');
    assert.equal(choose(undefined), 'en');
    assert.equal(choose('*'), 'en');
    assert.equal(negotiate({ acceptLanguage: '*' }, 'de'), 'de');
    assert.equal(choose('de;q=0'), 'en', 'q=0 means not acceptable');
  });

  test('the picker’s cookie wins over the browser; a cookie naming no language is ignored', () => {
    assert.equal(choose('de-DE', 'nl'), 'nl');
    assert.equal(choose('de-DE', 'xx'), 'de');
    assert.equal(choose('de-DE', '<script>'), 'de');
  });

  test('a configured default with a region is its language; direction follows the script', () => {
    assert.equal(supportedLanguage('de-AT'), 'de');
    assert.equal(supportedLanguage('ja'), 'en');
    assert.equal(direction('de'), 'ltr');
    assert.equal(direction('ar-EG'), 'rtl');
    assert.equal(direction('he'), 'rtl');
  });
});
