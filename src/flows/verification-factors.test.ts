/**
 * Verification by the factor policy: the choice of a factor, the same for every name; each
 * factor passing and failing; failures at every factor counting toward the portal lockout; a
 * decoy that never passes; a stricter group's rule read only once a factor has passed and then
 * enforced. The authenticator app, recovery code and passkey checks are stand-ins here
 * (src/testing/factor-checks.ts); the questions and codes are real.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { addMember, createGroup } from '../testing/dev-domain.ts';
import { fakeFactorChecks } from '../testing/factor-checks.ts';
import { codeMailedTo, enrolledPerson, type FlowHarness, flowFixture, rightAnswer, someone } from '../testing/flow-context.ts';
import type { Requester } from './context.ts';
import type { Factor } from './factor-policy.ts';
import { answerQuestion, checkCode, sendCode, startVerification, verifiedUser } from './verification.ts';
import { checkAppCode, checkPasskey, chooseFactor, useRecoveryCode } from './verification-factors.ts';
import type { VerificationKind, VerificationState } from './verification-state.ts';
import { flowChoices } from './verification-steps.ts';

const ALL = ['questions', 'code', 'totp', 'passkey', 'recovery'];
const policy = (strictGroup: string) => ({
  factors: {
    offered: ALL,
    reset: [
      { need: 1, of: ['passkey'] },
      { need: 2, of: ['totp', 'code', 'questions', 'recovery'] },
    ],
    unlock: [{ need: 1, of: ['totp', 'passkey', 'questions'] }],
    groups: [
      {
        group: strictGroup,
        reset: [
          { need: 1, of: ['passkey'] },
          { need: 1, of: ['totp'] },
        ],
      },
    ],
  },
});

async function start(harness: FlowHarness, kind: VerificationKind, name: string, requester: Requester = someone()): Promise<VerificationState> {
  const started = await startVerification(harness.ctx, { kind, name }, requester);
  assert.ok(started.ok);
  return started.state;
}

async function answerAll(harness: FlowHarness, state: VerificationState, requester: Requester) {
  while (state.stage === 'question') assert.equal(await answerQuestion(harness.ctx, state, rightAnswer(state), requester), 'next');
}

forEachDatabase('verification by factors', (database) => {
  let strictGroup = '';
  const flows = flowFixture(
    () => database.store(),
    () => policy(strictGroup),
  );
  const fake = fakeFactorChecks();
  before(async () => {
    const dn = await createGroup(flows.admin);
    flows.removeAfter(dn);
    strictGroup = /^CN=([^,]+)/.exec(dn)![1]!;
  });

  test('the choice offers what the policy offers, alike for every name; a factor it does not offer and a skipped step are refused', async () => {
    const { harness, user } = await enrolledPerson(flows);
    const never = await flows.account(await flows.person());
    for (const kind of ['reset', 'unlock'] as const) {
      const states = [
        await start(harness, kind, user.samAccountName),
        await start(harness, kind, never.samAccountName),
        await start(harness, kind, `nosuch-${randomBytes(3).toString('hex')}`),
      ];
      const expected = kind === 'reset' ? ['passkey', 'totp', 'code', 'questions', 'recovery'] : ['totp', 'passkey', 'questions'];
      for (const state of states) {
        assert.equal(state.stage, 'choose');
        assert.deepEqual(flowChoices(harness.ctx, state), expected);
      }
      const [real] = states as [VerificationState];
      const requester = someone();
      await rejectsWithCode(checkAppCode(harness.ctx, real, '123456', requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(verifiedUser(harness.ctx, real, requester), 'LK_STEP_OUT_OF_ORDER');
      await rejectsWithCode(answerQuestion(harness.ctx, real, 'anything', requester), 'LK_STEP_OUT_OF_ORDER');
      if (kind === 'unlock') await rejectsWithCode(chooseFactor(harness.ctx, real, 'code', requester), 'LK_STEP_OUT_OF_ORDER');
    }
  });

  test('reset by the app and a code: the choice comes back without the app, the code finishes it; audited by factor', async () => {
    const { harness, ctx, user } = await enrolledPerson(flows);
    fake.totp.set(user.guid, '246810');
    const requester = someone();
    const state = await start(harness, 'reset', user.samAccountName, requester);
    await chooseFactor(ctx, state, 'totp', requester);
    assert.equal(state.stage, 'totp');
    assert.equal(await checkAppCode(ctx, state, '000000', requester), 'wrong');
    assert.equal(await checkAppCode(ctx, state, '246810', requester), 'accepted');
    assert.equal(state.stage, 'choose', 'one more factor is needed');
    assert.deepEqual(flowChoices(ctx, state), ['passkey', 'code', 'questions', 'recovery']);
    await rejectsWithCode(verifiedUser(ctx, state, requester), 'LK_STEP_OUT_OF_ORDER');
    await chooseFactor(ctx, state, 'code', requester);
    assert.deepEqual(
      state.channels.map((offered) => offered.channel),
      ['email'],
      'once a factor passed, only the account’s own addresses',
    );
    assert.deepEqual(await sendCode(ctx, state, 'email', requester), { outcome: 'sent' });
    assert.equal(await checkCode(ctx, state, codeMailedTo(harness, user.mail!), requester), 'accepted');
    assert.equal(state.stage, 'verified');
    const trail = (await ctx.store.audit.query({ actor: user.samAccountName }))
      .reverse()
      .map((entry) => `${entry.action}:${entry.outcome}:${entry.detail ?? ''}`);
    assert.deepEqual(trail.slice(0, 5), [
      'reset-requested:success:',
      'factor-chosen:success:totp',
      'factor-failed:refused:totp',
      'factor-passed:success:totp',
      'factor-chosen:success:code',
    ]);
    assert.ok(!trail.some((line) => line.includes('246810')), 'no code in the audit');
  });

  test('a recovery code stands in for a factor: once only, and the codes left are kept to show', async () => {
    const { harness, ctx, user } = await enrolledPerson(flows);
    fake.recovery.set(user.guid, new Set(['alpha-1111', 'bravo-2222', 'charlie-3333']));
    const requester = someone();
    const state = await start(harness, 'reset', user.samAccountName, requester);
    await chooseFactor(ctx, state, 'recovery', requester);
    assert.equal(await useRecoveryCode(ctx, state, 'alpha-1111', requester), 'accepted');
    assert.equal(state.recoveryCodesLeft, 2);
    await chooseFactor(ctx, state, 'questions', requester);
    await answerAll(harness, state, requester);
    assert.equal(state.stage, 'verified');
    const again = await start(harness, 'reset', user.samAccountName, requester);
    await chooseFactor(ctx, again, 'recovery', requester);
    assert.equal(await useRecoveryCode(ctx, again, 'alpha-1111', requester), 'wrong', 'a used code is spent');
  });

  test('a passkey alone resets; each challenge serves one try', async () => {
    const { harness, ctx, user } = await enrolledPerson(flows);
    fake.passkeys.set(user.guid, 'credential-1');
    const requester = someone();
    const state = await start(harness, 'reset', user.samAccountName, requester);
    await chooseFactor(ctx, state, 'passkey', requester);
    const first = state.passkey!.challenge;
    assert.deepEqual(Object.keys(JSON.parse(state.passkey!.options)).sort(), ['challenge', 'rpId', 'timeout', 'userVerification'], 'no allowCredentials');
    assert.equal(await checkPasskey(ctx, state, JSON.stringify({ id: 'credential-2', challenge: first }), requester), 'wrong');
    assert.notEqual(state.passkey!.challenge, first, 'a new challenge after a failed try');
    assert.equal(await checkPasskey(ctx, state, JSON.stringify({ id: 'credential-1', challenge: first }), requester), 'wrong', 'the old challenge is spent');
    assert.equal(await checkPasskey(ctx, state, JSON.stringify({ id: 'credential-1', challenge: state.passkey!.challenge }), requester), 'accepted');
    assert.equal(state.stage, 'verified');
  });

  test('failures at every factor count toward the portal lockout, like wrong answers', async () => {
    const { harness, ctx, user } = await enrolledPerson(flows);
    fake.totp.set(user.guid, '135790');
    fake.recovery.set(user.guid, new Set(['delta-4444']));
    fake.passkeys.set(user.guid, 'credential-3');
    const { maxWrongAnswers } = ctx.policy.protection.portalLockout;
    assert.equal(maxWrongAnswers, 5);
    const tries: [Factor, (state: VerificationState, requester: Requester) => Promise<string>][] = [
      ['totp', (state, requester) => checkAppCode(ctx, state, '999999', requester)],
      ['recovery', (state, requester) => useRecoveryCode(ctx, state, 'nope', requester)],
      ['passkey', (state, requester) => checkPasskey(ctx, state, '{"id":"other"}', requester)],
      ['passkey', (state, requester) => checkPasskey(ctx, state, 'not json', requester)],
      ['questions', (state, requester) => answerQuestion(ctx, state, 'wrong', requester)],
    ];
    const outcomes = [];
    for (const [factor, attempt] of tries) {
      const state = await start(harness, 'reset', user.samAccountName);
      const requester = someone();
      await chooseFactor(ctx, state, factor, requester);
      outcomes.push(await attempt(state, requester));
    }
    assert.deepEqual(outcomes, ['wrong', 'wrong', 'wrong', 'wrong', 'portal-lockout']);
    const locked = await start(harness, 'reset', user.samAccountName);
    await chooseFactor(ctx, locked, 'totp', someone());
    assert.equal(await checkAppCode(ctx, locked, '135790', someone()), 'portal-lockout', 'even the right code');
    const failed = await ctx.store.audit.query({ actor: user.samAccountName, action: 'factor-failed' });
    assert.deepEqual(failed.map((entry) => entry.detail?.split(':')[0]).sort(), ['passkey', 'passkey', 'recovery', 'totp']);
  });

  test('a decoy passes no factor, even with the right values of a real account', async () => {
    const { harness, ctx, user } = await enrolledPerson(flows);
    fake.totp.set(user.guid, '112233');
    fake.recovery.set(user.guid, new Set(['echo-5555']));
    fake.passkeys.set(user.guid, 'credential-4');
    for (const name of [`nosuch-${randomBytes(3).toString('hex')}`]) {
      const requester = someone();
      const state = await start(harness, 'reset', name, requester);
      assert.ok(state.decoy);
      await chooseFactor(ctx, state, 'totp', requester);
      assert.equal(await checkAppCode(ctx, state, '112233', requester), 'wrong');
      await chooseFactor(ctx, state, 'recovery', requester);
      assert.equal(await useRecoveryCode(ctx, state, 'echo-5555', requester), 'wrong');
      await chooseFactor(ctx, state, 'passkey', requester);
      assert.equal(await checkPasskey(ctx, state, JSON.stringify({ id: 'credential-4', challenge: state.passkey!.challenge }), requester), 'wrong');
      assert.deepEqual(state.passed, []);
    }
    assert.equal(fake.recovery.get(user.guid)!.size, 1, 'the real code is untouched');
  });

  test('a member of the stricter group: questions and a code are not enough, the app or a passkey is', async () => {
    const { harness, ctx, user, person } = await enrolledPerson(flows);
    const groupDn = (await ctx.directory.resolveGroup(strictGroup)).dn;
    await addMember(flows.admin, groupDn, person.dn);
    fake.totp.set(user.guid, '998877');
    const requester = someone();
    const state = await start(harness, 'reset', user.samAccountName, requester);
    assert.deepEqual(
      flowChoices(ctx, state),
      ['passkey', 'totp', 'code', 'questions', 'recovery'],
      'before proof, the default choice: nothing shows membership',
    );
    await chooseFactor(ctx, state, 'questions', requester);
    await answerAll(harness, state, requester);
    assert.equal(state.stage, 'choose');
    assert.deepEqual(flowChoices(ctx, state), ['passkey', 'totp'], 'once a factor passed, the group’s rule');
    await rejectsWithCode(chooseFactor(ctx, state, 'code', requester), 'LK_STEP_OUT_OF_ORDER');
    await rejectsWithCode(verifiedUser(ctx, state, requester), 'LK_STEP_OUT_OF_ORDER');
    await chooseFactor(ctx, state, 'totp', requester);
    assert.equal(await checkAppCode(ctx, state, '998877', requester), 'accepted');
    assert.equal(state.stage, 'verified');
    // Unlock has no stricter rule for the group: the default one applies.
    const unlock = await start(harness, 'unlock', user.samAccountName, requester);
    await chooseFactor(ctx, unlock, 'questions', requester);
    await answerAll(harness, unlock, requester);
    assert.equal(unlock.stage, 'verified');
  });
});
