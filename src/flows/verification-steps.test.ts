/**
 * Which accounts can verify and in which order the proofs come, for each combination of
 * questions, required code and auto-enrollment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canVerify, codeFirst, firstStage, stageAfterCode, stageAfterQuestions } from './verification-steps.ts';

const policy = (questionsToAsk: number, requireCode: boolean, autoEnroll: boolean) =>
  ({ verification: { questionsToAsk, requireCode, channels: ['email', 'sms'] }, enrollment: { autoEnroll } }) as Parameters<typeof canVerify>[0];

test('without auto-enrollment: answers are needed when questions are asked, an address when a code is', () => {
  assert.equal(canVerify(policy(2, true, false), { answers: 3, destinations: 1 }), true);
  assert.equal(canVerify(policy(2, true, false), { answers: 0, destinations: 2 }), false);
  assert.equal(canVerify(policy(2, true, false), { answers: 3, destinations: 0 }), false);
  assert.equal(canVerify(policy(2, false, false), { answers: 3, destinations: 0 }), true);
  assert.equal(canVerify(policy(0, true, false), { answers: 0, destinations: 1 }), true);
});

test('with auto-enrollment and codes required, an account without answers verifies by a code alone', () => {
  assert.equal(canVerify(policy(2, true, true), { answers: 0, destinations: 1 }), true);
  assert.equal(canVerify(policy(2, true, true), { answers: 0, destinations: 0 }), false);
  // Codes off: auto-enrollment has nothing to send, so answers are still needed.
  assert.equal(canVerify(policy(2, false, true), { answers: 0, destinations: 1 }), false);
});

test('the code comes first for every name only with auto-enrollment, codes required and questions asked', () => {
  assert.equal(codeFirst(policy(2, true, true)), true);
  assert.equal(codeFirst(policy(0, true, true)), false);
  assert.equal(codeFirst(policy(2, false, true)), false);
  assert.equal(codeFirst(policy(2, true, false)), false);
  // Enrolled (questions to ask) and never enrolled (none) start alike.
  assert.equal(firstStage(policy(2, true, true), 2), 'channel');
  assert.equal(firstStage(policy(2, true, true), 0), 'channel');
  assert.equal(firstStage(policy(2, true, false), 2), 'question');
  assert.equal(firstStage(policy(0, true, false), 0), 'channel');
  assert.equal(firstStage(policy(2, false, false), 2), 'question');
});

test('after the questions the code, unless it came first; after the code the questions left', () => {
  const questions = [
    { position: 0, text: 'a' },
    { position: 2, text: 'b' },
  ];
  assert.equal(stageAfterQuestions(policy(2, true, false), { codeChannel: null }), 'channel');
  assert.equal(stageAfterQuestions(policy(2, true, true), { codeChannel: 'email' }), 'verified');
  assert.equal(stageAfterQuestions(policy(2, false, false), { codeChannel: null }), 'verified');
  assert.equal(stageAfterCode({ questionIndex: 0, questions }), 'question');
  assert.equal(stageAfterCode({ questionIndex: 2, questions }), 'verified');
  assert.equal(stageAfterCode({ questionIndex: 0, questions: [] }), 'verified');
});
