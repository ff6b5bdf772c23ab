/**
 * Failure limits under concurrency: guesses sent at the same moment are counted before any is
 * looked at, so no bound lets more through than its number.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { portalFixture } from '../testing/portal.ts';
import { answerQuestion, startVerification } from './verification.ts';
import type { VerificationState } from './verification-state.ts';

const fixture = portalFixture();

test('twenty wrong answers sent at once: no more are looked at than the lockout allows', async () => {
  const { ctx } = fixture.portal.app;
  const max = ctx.policy.protection.portalLockout.maxWrongAnswers;
  // A decoy counts like an account, and needs no enrollment.
  const name = `nosuch-${randomBytes(3).toString('hex')}`;
  const states: VerificationState[] = [];
  for (let i = 0; i < 20; i++) {
    const started = await startVerification(ctx, { kind: 'reset', name }, { ip: `10.80.0.${i + 1}` });
    assert.ok(started.ok);
    states.push(started.state);
  }
  const outcomes = await Promise.all(states.map((state, i) => answerQuestion(ctx, state, 'not the answer', { ip: `10.80.0.${i + 1}` })));
  assert.equal(outcomes.filter((outcome) => outcome === 'wrong').length, max - 1, outcomes.join(' '));
  assert.ok(
    outcomes.every((outcome) => outcome === 'wrong' || outcome === 'portal-lockout'),
    outcomes.join(' '),
  );
  // Each answer looked at is audited as wrong; the others were refused before.
  const looked = (await fixture.portal.app.store.audit.query({ action: 'question-wrong' })).filter((entry) => entry.sourceIp?.startsWith('10.80.0.'));
  assert.equal(looked.length, max, `${looked.length} answers looked at, at most ${max}`);
});
