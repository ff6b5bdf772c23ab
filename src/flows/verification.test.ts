/**
 * Verification for reset and unlock, as plain functions against the real dev domain and both
 * databases: every name starts alike, answers and e-mailed codes pass or fail as they should,
 * failures (never starts) count toward the portal lockout and the pause, and no step can be
 * skipped or replayed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { bindAs } from '../testing/dev-domain.ts';
import { codeMailedTo, enrollInStore, type FlowFixture, flowFixture, rightAnswer, someone, verifiedFlow } from '../testing/flow-context.ts';
import { completeReset } from './reset.ts';
import { completeUnlock } from './unlock.ts';
import { answerQuestion, checkCode, sendCode, startVerification, verifiedUser } from './verification.ts';
import type { VerificationKind, VerificationState } from './verification-state.ts';

const MINUTE = 60_000;
const unknownName = () => `nosuch-${randomBytes(4).toString('hex')}`;

/** What the pages after the first step are built from, with nothing that is random per flow. */
function outward(state: VerificationState) {
  return {
    keys: Object.keys(state).sort(),
    kind: state.kind,
    stage: state.stage,
    questionIndex: state.questionIndex,
    questions: state.questions.length,
    codeChannel: state.codeChannel,
    codeSentAt: state.codeSentAt,
  };
}

/** A code of six digits that is not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** An enrolled account of the dev domain and a flow for it, answered up to the code step. */
async function atCodeStep(flows: FlowFixture, kind: VerificationKind = 'reset') {
  const harness = await flows.harness();
  const { ctx } = harness;
  const user = await flows.account(await flows.person());
  await enrollInStore(ctx, user);
  const requester = someone();
  const started = await startVerification(ctx, { kind, name: user.samAccountName }, requester);
  assert.ok(started.ok);
  const { state } = started;
  while (state.stage === 'question') assert.equal(await answerQuestion(ctx, state, rightAnswer(state), requester), 'next');
  assert.equal(state.stage, 'channel');
  assert.deepEqual(await sendCode(ctx, state, 'email', requester), { outcome: 'sent' });
  assert.equal(state.stage, 'code');
  return { harness, ctx, user, requester, state, code: codeMailedTo(harness, user.mail!) };
}

forEachDatabase('verification: the first step', (database) => {
  const flows = flowFixture(() => database.store());

  test('an enrolled account, a name nobody has and an account never enrolled start alike', async () => {
    const { ctx } = await flows.harness();
    const enrolled = await flows.account(await flows.person());
    await enrollInStore(ctx, enrolled);
    const notEnrolled = await flows.account(await flows.person());
    const nobody = unknownName();
    for (const kind of ['reset', 'unlock'] as const) {
      const starts = [];
      for (const name of [enrolled.samAccountName, nobody, notEnrolled.samAccountName]) {
        const started = await startVerification(ctx, { kind, name }, someone());
        assert.ok(started.ok, `${kind} ${name} started`);
        starts.push(started.state);
      }
      const [real, unknown, never] = starts as [VerificationState, VerificationState, VerificationState];
      assert.equal(real.decoy, null);
      assert.equal(unknown.decoy, 'unknown-name');
      assert.equal(never.decoy, 'not-enrolled');
      assert.deepEqual(outward(unknown), outward(real), `${kind}: an unknown name looks like an enrolled account`);
      assert.deepEqual(outward(never), outward(real), `${kind}: an account never enrolled looks like an enrolled one`);
      assert.equal(real.questions.length, ctx.policy.verification.questionsToAsk);
      for (const state of starts) {
        assert.ok(
          state.questions.every((q) => ctx.policy.enrollment.questions.includes(q.text)),
          'questions of the offered list',
        );
        assert.ok(Math.abs(state.expiresAt - real.expiresAt) < MINUTE, 'the same lifetime');
      }
      // A wrong answer gets the same word for each.
      for (const state of starts) assert.equal(await answerQuestion(ctx, state, 'not it', someone()), 'wrong');
    }
  });

  test('a name nobody has is asked from a fixed set of questions, as an enrolled account is', async () => {
    const { ctx } = await flows.harness();
    const enrolled = await flows.account(await flows.person());
    await enrollInStore(ctx, enrolled);
    const nobody = unknownName();
    const asked = { real: new Set<string>(), unknown: new Set<string>() };
    for (let i = 0; i < 6; i++) {
      // Spelled differently each time: every spelling is the same name.
      for (const [set, name] of [
        [asked.real, enrolled.samAccountName],
        [asked.unknown, i % 2 ? nobody.toUpperCase() : nobody],
      ] as const) {
        const started = await startVerification(ctx, { kind: 'reset', name }, someone());
        assert.ok(started.ok);
        for (const question of started.state.questions) set.add(question.text);
      }
    }
    assert.ok(asked.real.size <= ctx.policy.enrollment.questionsToEnroll, [...asked.real].join(' | '));
    assert.ok(asked.unknown.size <= ctx.policy.enrollment.questionsToEnroll, `a decoy draws from its own enrollment: ${[...asked.unknown].join(' | ')}`);
  });
});

forEachDatabase('verification: answers and the portal lockout', (database) => {
  const flows = flowFixture(() => database.store());

  test('the right answers, however typed, lead to the code step; a wrong one is refused and asked again', async () => {
    const { ctx } = await flows.harness();
    const user = await flows.account(await flows.person());
    await enrollInStore(ctx, user);
    const requester = someone();
    const started = await startVerification(ctx, { kind: 'reset', name: user.samAccountName }, requester);
    assert.ok(started.ok);
    const { state } = started;
    assert.equal(state.stage, 'question');
    const first = state.questions[0]!.text;
    assert.equal(await answerQuestion(ctx, state, 'Definitely not this', requester), 'wrong');
    assert.equal(state.questionIndex, 0, 'still the same question');
    assert.equal(state.questions[0]!.text, first);
    assert.equal(await answerQuestion(ctx, state, `  ${rightAnswer(state).toUpperCase()} `, requester), 'next');
    assert.equal(state.questionIndex, 1);
    assert.equal(await answerQuestion(ctx, state, rightAnswer(state), requester), 'next');
    assert.equal(state.stage, 'channel', 'a code is still needed');
    assert.deepEqual(
      state.channels.map((c) => c.channel),
      ['email'],
      'only the enrolled address is offered once answers are proven',
    );
    const entries = await ctx.store.audit.query({ actor: user.samAccountName });
    assert.deepEqual(entries.map((entry) => `${entry.action}:${entry.outcome}`).reverse(), [
      'reset-requested:success',
      'question-wrong:refused',
      'question-right:success',
      'question-right:success',
    ]);
    assert.ok(user.displayName, 'the account has a display name to record');
    assert.ok(
      entries.every((entry) => entry.actorName === user.displayName),
      'every step of the verification carries the account display name',
    );
  });

  test('wrong answers lock the account out of the portal after the configured number, for every new flow, until the cool-down', async () => {
    const { ctx, advanceClock } = await flows.harness();
    const { maxWrongAnswers, coolDownMinutes } = ctx.policy.protection.portalLockout;
    const user = await flows.account(await flows.person());
    await enrollInStore(ctx, user);
    const start = async () => {
      const started = await startVerification(ctx, { kind: 'unlock', name: user.samAccountName }, someone());
      assert.ok(started.ok);
      return started.state;
    };
    const outcomes = [];
    // Each wrong answer from a new flow and a new address: they count against the account.
    for (let i = 0; i < maxWrongAnswers; i++) outcomes.push(await answerQuestion(ctx, await start(), 'wrong again', someone()));
    assert.deepEqual(outcomes, [...Array(maxWrongAnswers - 1).fill('wrong'), 'portal-lockout']);
    // Starting is still possible (starts cost the owner nothing), but no answer is looked at.
    const locked = await start();
    assert.equal(await answerQuestion(ctx, locked, rightAnswer(locked), someone()), 'portal-lockout', 'even the right answer');
    assert.equal(locked.questionIndex, 0);
    const lockouts = await ctx.store.audit.query({ actor: user.samAccountName, action: 'portal-lockout' });
    assert.ok(lockouts.length >= 2, 'the lockout and the refusal while locked are audited');
    // AD knows nothing of it.
    assert.equal((await ctx.directory.getUser(user.guid))?.state.lockedOut, false);

    advanceClock((coolDownMinutes + 1) * MINUTE);
    const later = await start();
    assert.equal(await answerQuestion(ctx, later, rightAnswer(later), someone()), 'next', 'after the cool-down the owner gets in');
  });

  test('a right answer on the way does not end a run of wrong ones; a passed verification does', async () => {
    const harness = await flows.harness();
    const { ctx } = harness;
    const { maxWrongAnswers } = ctx.policy.protection.portalLockout;
    const wrongThenOneRight = async (user: Awaited<ReturnType<typeof flows.account>>) => {
      const started = await startVerification(ctx, { kind: 'reset', name: user.samAccountName }, someone());
      assert.ok(started.ok);
      for (let i = 0; i < maxWrongAnswers - 1; i++) assert.equal(await answerQuestion(ctx, started.state, 'wrong', someone()), 'wrong');
      assert.equal(await answerQuestion(ctx, started.state, rightAnswer(started.state), someone()), 'next');
    };
    const oneMoreWrong = async (user: Awaited<ReturnType<typeof flows.account>>) => {
      const started = await startVerification(ctx, { kind: 'reset', name: user.samAccountName }, someone());
      assert.ok(started.ok);
      return answerQuestion(ctx, started.state, 'wrong', someone());
    };
    const halfway = await flows.account(await flows.person());
    await enrollInStore(ctx, halfway);
    await wrongThenOneRight(halfway);
    assert.equal(await oneMoreWrong(halfway), 'portal-lockout', `the ${maxWrongAnswers}th wrong answer, despite a right one between`);

    const through = await flows.account(await flows.person());
    await enrollInStore(ctx, through);
    await wrongThenOneRight(through);
    await verifiedFlow(harness, 'reset', through);
    assert.equal(await oneMoreWrong(through), 'wrong', 'the owner proving who they are ends the run');
  });
});

forEachDatabase('verification: codes by e-mail', (database) => {
  const flows = flowFixture(() => database.store());

  test('a code by e-mail: sent to the enrolled address; a wrong code is refused, the right one passes', async () => {
    const { ctx, state, code, user, requester, harness } = await atCodeStep(flows);
    const message = harness.mail.at(-1)!;
    assert.deepEqual(message.to, [user.mail]);
    assert.match(message.text, new RegExp(`works for ${ctx.policy.codes.lifetimeMinutes} minutes`));
    assert.equal(await checkCode(ctx, state, otherThan(code), requester), 'wrong');
    assert.equal(state.stage, 'code', 'still at the code');
    assert.equal(await checkCode(ctx, state, ` ${code.slice(0, 3)} ${code.slice(3)} `, requester), 'accepted', 'spaces are forgiven');
    assert.equal(state.stage, 'verified');
    const verified = await verifiedUser(ctx, state, requester);
    assert.ok('user' in verified);
    assert.equal(verified.user.guid, user.guid);
    const actions = (await ctx.store.audit.query({ actor: user.samAccountName })).map((e) => `${e.action}:${e.outcome}`);
    assert.ok(actions.includes('code-sent:success') && actions.includes('code-wrong:refused') && actions.includes('code-accepted:success'), actions.join());
    // The code never reaches the audit trail.
    assert.ok((await ctx.store.audit.query({})).every((entry) => !entry.detail?.includes(code)));
  });

  test('an expired code is refused even when right; a new code then works', async () => {
    const { ctx, state, code, user, requester, harness } = await atCodeStep(flows);
    harness.advanceClock(ctx.policy.codes.lifetimeMinutes * MINUTE + 1000);
    assert.equal(await checkCode(ctx, state, code, requester), 'expired');
    assert.equal(state.stage, 'code');
    assert.deepEqual(await sendCode(ctx, state, 'email', requester), { outcome: 'sent' });
    const next = codeMailedTo(harness, user.mail!);
    assert.equal(await checkCode(ctx, state, code, requester), 'wrong', 'the old code was replaced');
    assert.equal(await checkCode(ctx, state, next, requester), 'accepted');
  });

  test('a code cannot be used twice, nor in another flow of the same account', async () => {
    const { ctx, state, code, user, requester, harness } = await atCodeStep(flows, 'unlock');
    const other = await startVerification(ctx, { kind: 'unlock', name: user.samAccountName }, requester);
    assert.ok(other.ok);
    while (other.state.stage === 'question') await answerQuestion(ctx, other.state, rightAnswer(other.state), requester);
    await sendCode(ctx, other.state, 'email', requester);
    const otherCode = codeMailedTo(harness, user.mail!);
    assert.equal(await checkCode(ctx, other.state, code, requester), 'wrong', "the first flow's code does not pass in the second");

    const replay = structuredClone(state);
    assert.equal(await checkCode(ctx, state, code, requester), 'accepted');
    assert.equal(await checkCode(ctx, replay, code, requester), 'wrong', 'a copy of the flow at the code step gets nothing from it');
    await rejectsWithCode(checkCode(ctx, state, code, requester), 'LK_STEP_OUT_OF_ORDER'); // the flow itself is past the code
    assert.equal(await checkCode(ctx, other.state, otherCode, requester), 'accepted', 'each flow has its own code');
  });
});

forEachDatabase('verification: the order of the steps', (database) => {
  const flows = flowFixture(() => database.store());

  test('no step can be skipped: each step refuses a flow that is not at it, and nothing changes', async () => {
    const { ctx, advanceClock } = await flows.harness();
    const person = await flows.person();
    const user = await flows.account(person);
    await enrollInStore(ctx, user);
    const requester = someone();
    for (const kind of ['reset', 'unlock'] as const) {
      const started = await startVerification(ctx, { kind, name: user.samAccountName }, requester);
      assert.ok(started.ok);
      const { state } = started;
      await rejectsWithCode(completeReset(ctx, state, { password: 'Skipped-Ahead-9', confirm: 'Skipped-Ahead-9' }, requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(completeUnlock(ctx, state, requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(verifiedUser(ctx, state, requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(checkCode(ctx, state, '123456', requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(sendCode(ctx, state, 'email', requester), 'LK_STEP_OUT_OF_ORDER');
      while (state.stage === 'question') await answerQuestion(ctx, state, rightAnswer(state), requester);
      await rejectsWithCode(answerQuestion(ctx, state, 'again', requester), 'LK_STEP_OUT_OF_ORDER'); // no answers after the questions
      await rejectsWithCode(sendCode(ctx, state, 'sms', requester), 'LK_STEP_OUT_OF_ORDER'); // a channel that was not offered
      await rejectsWithCode(completeReset(ctx, state, { password: 'Skipped-Ahead-9', confirm: 'Skipped-Ahead-9' }, requester), 'LK_STEP_OUT_OF_ORDER'); // not without the code
    }
    assert.equal(await bindAs(person.dn, person.password), 'ok', 'the password is unchanged');
    assert.equal((await ctx.store.audit.query({ actor: user.samAccountName, action: 'reset' })).length, 0);

    const stale = await startVerification(ctx, { kind: 'reset', name: user.samAccountName }, requester);
    assert.ok(stale.ok);
    advanceClock(21 * MINUTE);
    await rejectsWithCode(answerQuestion(ctx, stale.state, rightAnswer(stale.state), requester), 'LK_STEP_OUT_OF_ORDER'); // an expired flow
  });
});

forEachDatabase('verification: the pause after a run of failures', (database) => {
  // A run shorter than the lockout, so that the pause is what stops it.
  const flows = flowFixture(() => database.store(), { protection: { maxConsecutiveFailures: 3, portalLockout: { maxWrongAnswers: 10 } } });

  test('after the configured run of wrong answers self-service pauses for the account until a quiet day', async () => {
    const { ctx, advanceClock } = await flows.harness();
    const user = await flows.account(await flows.person());
    await enrollInStore(ctx, user);
    const start = async () => {
      const started = await startVerification(ctx, { kind: 'reset', name: user.samAccountName }, someone());
      assert.ok(started.ok);
      return started.state;
    };
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await answerQuestion(ctx, await start(), 'wrong', someone()));
      // Spread out, past any shorter window.
      advanceClock(60 * MINUTE);
    }
    assert.deepEqual(outcomes, ['wrong', 'wrong', 'paused']);
    const paused = await start();
    assert.equal(await answerQuestion(ctx, paused, rightAnswer(paused), someone()), 'paused', 'even the right answer');
    advanceClock(25 * 60 * MINUTE);
    const later = await start();
    assert.equal(await answerQuestion(ctx, later, rightAnswer(later), someone()), 'next', 'a quiet day ends the pause');
  });
});
