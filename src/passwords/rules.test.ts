import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountWords, checkRules, containsDisguised, longestRepeat, longestSequence, type PasswordRules } from './rules.ts';

/** Every rule off but length, so that each test turns on the one it is about. */
const NONE: PasswordRules = {
  minLength: 1,
  maxLength: 256,
  names: [],
  bannedWords: [],
  maxRepeat: 0,
  maxSequence: 0,
  keyboardRuns: false,
  composition: [],
  complexity: null,
};
const rulesOf = (rules: PasswordRules, password: string) => checkRules(rules, password).map((refusal) => refusal.rule);

describe('length', () => {
  const rules = { ...NONE, minLength: 15, maxLength: 64 };
  test('shorter than the minimum is refused, naming the minimum; the minimum itself passes', () => {
    assert.deepEqual(checkRules(rules, 'correct-horse'), [{ rule: 'min-length', params: { minLength: 15 } }]);
    assert.deepEqual(checkRules(rules, 'correct-horse-b'), []);
  });
  test('longer than the maximum is refused; the maximum itself passes', () => {
    assert.deepEqual(checkRules(rules, 'x'.repeat(65)), [{ rule: 'max-length', params: { maxLength: 64 } }]);
    assert.deepEqual(rulesOf(rules, 'xy'.repeat(32)), []);
  });
});

describe('names', () => {
  const account = {
    samAccountName: 'jsmith',
    userPrincipalName: 'john.smith@corp.example',
    displayName: 'Smith, John (IT)',
    givenName: 'John',
    surname: 'Smith',
  };
  const rules = { ...NONE, names: accountWords(account, 'Acme Widgets Ltd') };
  test('the words: account name, UPN local part, name parts of 3+ characters, the organisation whole and its parts of 4+', () => {
    assert.deepEqual(rules.names, ['jsmith', 'john.smith', 'john', 'smith', 'acmewidgetsltd', 'acme', 'widgets']);
  });
  test('a password holding any of them, in any case, is refused', () => {
    for (const password of ['Blue-JSMITH-77', 'my.John.Smith!', 'river-smith-9', 'ACME-rocks-2', 'Widgets4ever'])
      assert.deepEqual(rulesOf(rules, password), ['no-name'], password);
  });
  test('ordinary words are not names: short parts and "Ltd" are left alone', () => {
    assert.deepEqual(rulesOf(rules, 'it-tiltd-horse-battery'), []);
  });
  test('with no account known, nothing is refused for names', () => {
    assert.deepEqual(rulesOf(NONE, 'jsmith-jsmith'), []);
  });
});

describe('banned words', () => {
  const rules = { ...NONE, bannedWords: ['password', 'Latch'] };
  test('found in any case and disguised by common substitutions', () => {
    for (const password of ['password', 'MyPassWord!', 'P@ssw0rd', 'pa$$w0rd1', 'p4ssword', 'PA55WORD', 'l@tch-2024', '|atch'])
      assert.deepEqual(checkRules(rules, password)[0]?.rule, 'banned-words', password);
    assert.deepEqual(checkRules(rules, 'P@ssw0rd'), [{ rule: 'banned-words', params: { word: 'password' } }]);
  });
  test('1 and ! stand for either i or l', () => {
    assert.ok(containsDisguised('1atch', 'latch'));
    assert.ok(containsDisguised('w1nter', 'winter'));
    assert.ok(containsDisguised('w!nter', 'winter'));
  });
  test('a password that only shares letters is accepted', () => {
    assert.deepEqual(rulesOf(rules, 'pass-the-word'), []);
    assert.deepEqual(rulesOf(rules, 'lattice-horse'), []);
  });
});

describe('repeated characters', () => {
  const rules = { ...NONE, maxRepeat: 3 };
  test('a run longer than the maximum is refused, whatever the case', () => {
    assert.deepEqual(checkRules(rules, 'horse-aaaa-battery'), [{ rule: 'no-repeats', params: { max: 3 } }]);
    assert.deepEqual(rulesOf(rules, 'horse-aAaA-battery'), ['no-repeats']);
    assert.deepEqual(rulesOf(rules, '1111-horse'), ['no-repeats']);
  });
  test('a run of the maximum passes; 0 allows any', () => {
    assert.deepEqual(rulesOf(rules, 'horse-aaa-battery'), []);
    assert.deepEqual(rulesOf(NONE, 'aaaaaaaaaa'), []);
    assert.equal(longestRepeat('abbbc'), 3);
  });
});

describe('sequences', () => {
  const rules = { ...NONE, maxSequence: 3 };
  test('ascending and descending runs of letters or digits longer than the maximum are refused', () => {
    for (const password of ['abcd-horse', 'horse-1234', 'horse-4321', 'DCBA-horse', 'xyZ-wXyZ'])
      assert.deepEqual(rulesOf(rules, password), ['no-sequences'], password);
    assert.deepEqual(checkRules(rules, 'abcd'), [{ rule: 'no-sequences', params: { max: 3 } }]);
  });
  test('runs of the maximum, runs that turn, and runs across kinds pass', () => {
    for (const password of ['abc-horse-123', 'abcba-horse', '1212-horse', 'xyz{|}~']) assert.deepEqual(rulesOf(rules, password), [], password);
  });
  test('keyboard rows count only when asked', () => {
    assert.deepEqual(rulesOf(rules, 'qwer-horse'), []);
    const keyboard = { ...rules, keyboardRuns: true };
    for (const password of ['qwer-horse', 'horse-asdf', 'ZXCV-horse', 'horse-7890', 'rewq-horse'])
      assert.deepEqual(rulesOf(keyboard, password), ['no-sequences'], password);
    assert.equal(longestSequence('qwerty', true), 6);
    assert.equal(longestSequence('qwerty', false), 1, 'without keyboard rows only neighbours in the alphabet count');
  });
});

describe('composition', () => {
  const rules: PasswordRules = { ...NONE, composition: ['upper', 'digit', 'symbol'] };
  test('names each required class that is missing', () => {
    assert.deepEqual(checkRules(rules, 'horse battery'), [{ rule: 'composition', params: { missing: ['upper', 'digit'] } }]);
  });
  test('a password with every required class passes; none is required by default', () => {
    assert.deepEqual(rulesOf(rules, 'Horse battery 9'), []);
    assert.deepEqual(rulesOf(NONE, 'horse'), []);
  });
});

describe("the directory's complexity rule", () => {
  const owner = { samAccountName: 'jsmith', displayName: 'John Smith' };
  const rules = { ...NONE, complexity: owner };
  test('explains how many more kinds are needed and which are missing', () => {
    assert.deepEqual(checkRules(rules, 'horsebattery'), [
      { rule: 'complexity', params: { missing: ['upper', 'digit', 'symbol'], short: 2, containsName: false } },
    ]);
    assert.deepEqual(checkRules(rules, 'Horsebattery'), [{ rule: 'complexity', params: { missing: ['digit', 'symbol'], short: 1, containsName: false } }]);
  });
  test('refuses the account name or a display-name part even with enough kinds', () => {
    assert.deepEqual(checkRules(rules, 'Jsmith-2024'), [{ rule: 'complexity', params: { missing: [], short: 0, containsName: true } }]);
    assert.deepEqual(rulesOf(rules, 'Horse-John-9'), ['complexity']);
  });
  test('three kinds and no name pass; a name the no-name rule found is not said twice', () => {
    assert.deepEqual(rulesOf(rules, 'Horse-battery-9'), []);
    const both = checkRules({ ...rules, names: ['jsmith'] }, 'Jsmith-2024');
    assert.deepEqual(
      both.map((refusal) => refusal.rule),
      ['no-name'],
    );
  });
});

test('a password breaking several rules is refused by each, in the order the page lists them', () => {
  const rules: PasswordRules = { ...NONE, minLength: 12, bannedWords: ['secret'], maxRepeat: 2, maxSequence: 3, composition: ['digit'] };
  assert.deepEqual(rulesOf(rules, 'Secret-aaa-abcd'), ['banned-words', 'no-repeats', 'no-sequences', 'composition']);
  assert.deepEqual(rulesOf(rules, 'Secret'), ['min-length', 'banned-words', 'composition']);
});
