/**
 * "Step n of m" on reset and unlock: m is the name, the factors the rule needs and the last page;
 * before a factor has passed it comes from the default rule alone, the same for every name, and
 * only a proven member of a stricter group may see it grow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FactorSettings } from '../config/factors-schema.ts';
import type { FlowContext } from './context.ts';
import { flowProgress } from './verification-steps.ts';

/** Just the policy parts the step count reads. */
const withPolicy = (factors: FactorSettings | undefined) =>
  ({ policy: { factors, verification: { questionsToAsk: 2, requireCode: true }, enrollment: { autoEnroll: false }, server: {} } }) as unknown as FlowContext;

const at = (stage: 'question' | 'channel' | 'choose' | 'verified', passed: ('questions' | 'code' | 'totp')[], strictGroups: string[] = []) => ({
  stage,
  passed,
  strictGroups,
});

test('questions then a code: the name, the two factors and the new password make four steps', () => {
  const ctx = withPolicy(undefined);
  assert.deepEqual(flowProgress(ctx, 'reset'), { step: 1, of: 4 });
  assert.deepEqual(flowProgress(ctx, 'reset', at('question', [])), { step: 2, of: 4 });
  assert.deepEqual(flowProgress(ctx, 'reset', at('channel', ['questions'])), { step: 3, of: 4 });
  assert.deepEqual(flowProgress(ctx, 'reset', at('verified', ['questions', 'code'])), { step: 4, of: 4 });
});

test('one factor of a choice makes three steps for everyone; a proven member of a stricter group sees four', () => {
  const ctx = withPolicy({
    offered: ['questions', 'code', 'totp'],
    reset: [{ need: 1, of: ['totp', 'code'] }],
    unlock: [{ need: 1, of: ['totp', 'code'] }],
    groups: [{ group: 'Tier 0', reset: [{ need: 2, of: ['totp', 'code', 'questions'] }] }],
  } as FactorSettings);
  assert.deepEqual(flowProgress(ctx, 'reset', at('choose', [])), { step: 2, of: 3 }, 'before any proof: the default rule');
  assert.deepEqual(flowProgress(ctx, 'reset', at('choose', ['code'], ['Tier 0'])), { step: 3, of: 4 }, 'after a proof: the group’s rule');
  assert.deepEqual(flowProgress(ctx, 'reset', at('verified', ['code', 'totp'], ['Tier 0'])), { step: 4, of: 4 });
});
