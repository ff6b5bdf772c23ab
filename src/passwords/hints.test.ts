import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordPolicySchema } from '../config/password-policy-schema.ts';
import { domainPolicy } from '../directory/password-policy.ts';
import { loadStrings, translator } from '../i18n/translate.ts';
import { ruleHints } from './hints.ts';
import { strictest } from './policy.ts';

const t = translator(loadStrings('en').strings);
const defaults = strictest(passwordPolicySchema.parse({}), []);
const ids = (list: ReturnType<typeof ruleHints>) => list.hints.map((hint) => hint.id);

test('before the account is known: the rules for everyone, no-name without its words, nothing of the directory', () => {
  const list = ruleHints({ rules: defaults, directory: null, names: null, screening: false, t });
  assert.deepEqual(ids(list), ['min-length', 'max-length', 'no-name', 'no-repeats', 'no-sequences']);
  assert.deepEqual(
    list.hints.map((hint) => hint.data),
    [{ min: '8' }, { max: '256' }, {}, { max: '3' }, { max: '3' }],
  );
  assert.equal(list.hints[0]?.text, 'have at least 8 characters');
  assert.match(list.hints[3]?.text ?? '', /4 or more times/);
  assert.equal(list.unreadablePso, false);
});

test("once known: the account's words, the directory's longer minimum, complexity and history; screening; admin's extras", () => {
  const rules = { ...defaults, bannedWords: ['winter'], composition: ['upper' as const, 'symbol' as const] };
  const directory = { ...domainPolicy({ minPwdLength: '12', pwdProperties: '1', pwdHistoryLength: '24' }), unreadablePso: 'Strict' };
  const list = ruleHints({ rules, directory, names: ['jsmith', 'john'], screening: true, t });
  assert.deepEqual(ids(list), [
    'min-length',
    'max-length',
    'no-name',
    'banned-words',
    'no-repeats',
    'no-sequences',
    'complexity',
    'composition',
    'not-breached',
    'history',
  ]);
  const data = Object.fromEntries(list.hints.map((hint) => [hint.id, hint.data]));
  assert.deepEqual(data['min-length'], { min: '12' });
  assert.deepEqual(data['no-name'], { words: 'jsmith,john' });
  assert.deepEqual(data['banned-words'], {}, 'the banned words themselves are not shown');
  assert.deepEqual(data.complexity, { categories: '3' });
  assert.deepEqual(data.composition, { classes: 'upper,symbol' });
  assert.deepEqual(data.history, { count: '24' });
  assert.match(list.hints.find((hint) => hint.id === 'composition')?.text ?? '', /capital letters, symbols/);
  assert.equal(list.unreadablePso, true);
});

test('rules the admin turned off are not listed', () => {
  const rules = { ...defaults, rejectNames: false, maxRepeat: 0, maxSequence: 0 };
  assert.deepEqual(ids(ruleHints({ rules, directory: null, names: null, screening: false, t })), ['min-length', 'max-length']);
});
