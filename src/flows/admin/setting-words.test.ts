/** Settings problems in words: the field's label and unit, never the validator's text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNTIME_SECTIONS } from '../../config/schema.ts';
import { loadStrings, translator } from '../../i18n/translate.ts';
import { settingHelp, settingLabel, unitOf, wordedErrors } from './setting-words.ts';
import { sectionFields } from './settings-form.ts';

const t = translator(loadStrings('en').strings);
const say = (section: 'codes' | 'protection' | 'helpdesk' | 'passwordPolicy', field: string, params: Record<string, string | number>) =>
  wordedErrors(t, section, [{ field, code: 'LK_SETTING_INVALID', params }]).map((error) => t(error.code, error.params))[0];

test('units come from the field’s name', () => {
  assert.equal(unitOf('lifetimeMinutes'), 'minutes');
  assert.equal(unitOf('responseDelayMs.min'), 'milliseconds');
  assert.equal(unitOf('everyHours'), 'hours');
  assert.equal(unitOf('perDestination.perHour'), null, 'a count per hour is a count');
});

test('a problem is said with the label and the unit, in the singular or plural', () => {
  assert.equal(say('codes', 'lifetimeMinutes', { issue: 'too_small', origin: 'number', limit: 1 }), 'Code lifetime must be at least 1 minute.');
  assert.equal(say('codes', 'lifetimeMinutes', { issue: 'too_big', origin: 'number', limit: 60 }), 'Code lifetime must be at most 60 minutes.');
  assert.equal(say('codes', 'maxFailures', { issue: 'invalid_type', expected: 'int' }), 'Wrong codes before the attempt is locked must be a whole number.');
  assert.equal(say('protection', 'perIp.max', { issue: 'too_small', origin: 'number', limit: 1 }), 'Attempts per source address must be at least 1.');
  assert.equal(
    say('passwordPolicy', 'bannedWords.1', { issue: 'too_small', origin: 'string', limit: 3 }),
    'Banned words must have at least 3 characters.',
    'an entry of a list is named by its list',
  );
  assert.equal(say('helpdesk', 'groups', { issue: 'custom', field: 'groups', reason: 'not valid YAML' }), 'Helpdesk groups: not valid YAML');
});

test('every setting of every section has a human label, and most have help', () => {
  const fields = RUNTIME_SECTIONS.flatMap((section) => sectionFields(section, undefined).map((field) => ({ section, path: field.path })));
  const unlabelled = fields.filter(({ section, path }) => settingLabel(t, section, path) === path);
  assert.deepEqual(unlabelled, []);
  const helped = fields.filter(({ section, path }) => settingHelp(t, section, path));
  assert.ok(helped.length >= fields.length * 0.85, `${helped.length} of ${fields.length} have help`);
});
