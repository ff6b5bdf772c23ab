/**
 * The factor policy: the one the verification settings imply when none is set (the behaviour
 * before factors), which steps come next and when a choice is offered, stricter group rules,
 * and the settings that are refused because nobody could meet them or they would prove nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runtimeSchema } from '../config/schema.ts';
import { choices, factorPolicy, factorsInUse, nextStep, questionsToAsk, required, rulesFor, satisfied } from './factor-policy.ts';

const legacy = (questions: number, requireCode: boolean, autoEnroll: boolean) =>
  factorPolicy({ verification: { questionsToAsk: questions, requireCode, channels: ['email', 'sms'] }, enrollment: { autoEnroll } } as Parameters<
    typeof factorPolicy
  >[0]);

/** The factors section as the settings schema reads it. */
function parse(factors: unknown) {
  const directory = { urls: ['ldaps://dc.example.test'], bindDn: 'svc@example.test', bindPassword: 'x' };
  return runtimeSchema.safeParse({ directory, factors });
}

describe('without a factor policy, the verification settings decide as before', () => {
  test('questions then a code; only questions; only a code', () => {
    assert.deepEqual(legacy(2, true, false).reset, [{ need: 2, of: ['questions', 'code'] }]);
    assert.deepEqual(legacy(2, false, false).reset, [{ need: 1, of: ['questions'] }]);
    assert.deepEqual(legacy(0, true, false).unlock, [{ need: 1, of: ['code'] }]);
    assert.deepEqual(legacy(0, true, false).offered, ['code']);
  });

  test('the code comes first only with auto-enrollment, codes required and questions asked', () => {
    assert.deepEqual(legacy(2, true, true).reset, [{ need: 2, of: ['code', 'questions'] }]);
    assert.deepEqual(legacy(0, true, true).reset, [{ need: 1, of: ['code'] }]);
    assert.deepEqual(legacy(2, false, true).reset, [{ need: 1, of: ['questions'] }]);
  });

  test('no choice page: each factor in turn, then done', () => {
    const factors = legacy(2, true, false);
    const rules = [factors.reset];
    assert.deepEqual(nextStep(factors, rules, []), { factor: 'questions' });
    assert.deepEqual(nextStep(factors, rules, ['questions']), { factor: 'code' });
    assert.equal(nextStep(factors, rules, ['questions', 'code']), 'done');
    assert.deepEqual(choices(factors, rules, []), []);
    assert.deepEqual(nextStep(legacy(2, true, true), [legacy(2, true, true).reset], []), { factor: 'code' });
  });

  test('the questions factor asks what the settings say; with a factor policy at least one question', () => {
    const base = { verification: { questionsToAsk: 0, requireCode: true, channels: ['email'] }, enrollment: { autoEnroll: false } };
    assert.equal(questionsToAsk(base as Parameters<typeof questionsToAsk>[0]), 0);
    assert.equal(questionsToAsk({ ...base, factors: legacy(2, true, false) } as Parameters<typeof questionsToAsk>[0]), 1);
  });
});

describe('a factor policy', () => {
  const read = parse({
    offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
    reset: [
      { need: 1, of: ['passkey'] },
      { need: 2, of: ['totp', 'code', 'questions', 'recovery'] },
    ],
    groups: [{ group: 'Latchkey Admins', reset: [{ need: 1, of: ['passkey', 'totp'] }] }],
  });
  assert.ok(read.success, JSON.stringify(!read.success && read.error.issues));
  const factors = read.data.factors!;

  test('alternatives: a passkey alone, or two of the others; a recovery code stands in where listed', () => {
    const rules = [factors.reset];
    assert.equal(satisfied(factors, rules, ['passkey']), true);
    assert.equal(satisfied(factors, rules, ['questions']), false);
    assert.equal(satisfied(factors, rules, ['questions', 'code']), true);
    assert.equal(satisfied(factors, rules, ['recovery', 'totp']), true);
    assert.equal(nextStep(factors, rules, []), 'choose');
    assert.deepEqual(choices(factors, rules, []), ['passkey', 'totp', 'code', 'questions', 'recovery']);
    assert.deepEqual(choices(factors, rules, ['code']), ['passkey', 'totp', 'questions', 'recovery'], 'not the factors passed');
  });

  test('a member of a stricter group follows its rule instead; unset kinds follow the default', () => {
    const admins = factors.groups[0]!;
    const strict = rulesFor(factors, 'reset', [admins]);
    assert.equal(satisfied(factors, strict, ['questions', 'code']), false, 'questions and a code are not enough');
    assert.equal(satisfied(factors, strict, ['totp']), true);
    assert.deepEqual(choices(factors, strict, ['questions', 'code']), ['passkey', 'totp']);
    assert.deepEqual(rulesFor(factors, 'unlock', [admins]), [factors.unlock]);
  });

  test('what enrollment asks for: the factors some rule uses; a factor is required when no alternative does without it', () => {
    assert.deepEqual(factorsInUse(factors), ['questions', 'code', 'totp', 'passkey', 'recovery']);
    assert.equal(required(factors, [factors.unlock], 'code'), true);
    assert.equal(required(factors, [factors.reset], 'code'), false);
    const noQuestions = parse({ offered: ['code', 'totp'], reset: [{ need: 2, of: ['code', 'totp'] }], unlock: [{ need: 1, of: ['totp'] }] });
    assert.ok(noQuestions.success);
    assert.deepEqual(factorsInUse(noQuestions.data.factors!), ['code', 'totp']);
  });

  test('refused: an alternative nobody can meet with the factors offered, a need of nothing, a need beyond the list', () => {
    const unmeetable = parse({ offered: ['questions', 'code'], reset: [{ need: 1, of: ['totp'] }] });
    assert.ok(!unmeetable.success);
    assert.deepEqual(unmeetable.error.issues[0]!.path, ['factors', 'reset', 0, 'of']);
    const inGroup = parse({ offered: ['questions', 'code'], groups: [{ group: 'G', unlock: [{ need: 2, of: ['passkey', 'code'] }] }] });
    assert.ok(!inGroup.success);
    assert.deepEqual(inGroup.error.issues[0]!.path, ['factors', 'groups', 0, 'unlock', 0, 'of']);
    assert.ok(!parse({ reset: [{ need: 0, of: ['code'] }] }).success, 'need 0 would let anyone pass');
    assert.ok(!parse({ reset: [] }).success, 'no alternative at all');
    assert.ok(!parse({ reset: [{ need: 3, of: ['code', 'questions'] }] }).success);
    assert.ok(!parse({ reset: [{ need: 1, of: ['code', 'code'] }] }).success);
    assert.ok(!parse({ offered: [] }).success);
  });

  test('a database without a factors section keeps working as before', () => {
    const read = parse(undefined);
    assert.ok(read.success);
    assert.equal(read.data.factors, undefined);
  });
});
