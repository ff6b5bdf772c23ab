/**
 * Verification codes on both databases: single use, expiry, lockout that holds even for the
 * right code, a re-send that keeps the failures, and exactly one winner among concurrent checks.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import type { CodeCheck, IssueCode } from './codes.ts';

const NOW = 1_700_000_000_000;
const TEN_MINUTES = 10 * 60 * 1000;
const MAX_FAILURES = 3;

forEachDatabase('verification codes', (database) => {
  /** Issues a code for a flow (a fresh flow unless given); the code is 'right' unless given. */
  async function issue(overrides: Partial<IssueCode> = {}): Promise<string> {
    const { codes } = await database.store();
    const code: IssueCode = {
      flowId: randomUUID(),
      userGuid: 'guid-1',
      channel: 'email',
      codeHash: 'right',
      expiresAt: NOW + TEN_MINUTES,
      now: NOW,
      ...overrides,
    };
    await codes.issue(code);
    return code.flowId;
  }

  async function check(flowId: string, codeHash: string, now = NOW + 1_000): Promise<CodeCheck> {
    const { codes } = await database.store();
    return codes.check({ flowId, codeHash, now, maxFailures: MAX_FAILURES });
  }

  test('the right code is accepted once; a replay is refused as used', async () => {
    const flow = await issue();
    assert.equal(await check(flow, 'right'), 'accepted');
    assert.equal(await check(flow, 'right'), 'used');
    assert.equal(await check(flow, 'wrong'), 'used');
  });

  test('an expired code is never accepted, and a wrong guess at it counts nothing', async () => {
    const flow = await issue();
    assert.equal(await check(flow, 'right', NOW + TEN_MINUTES), 'expired', 'expiry is exclusive');
    assert.equal(await check(flow, 'nope', NOW + TEN_MINUTES + 1), 'expired');
    assert.equal(await check(flow, 'right', NOW + TEN_MINUTES - 1), 'accepted', 'no failure was counted');
  });

  test('after maxFailures wrong codes even the right code is locked', async () => {
    const flow = await issue();
    for (let i = 0; i < MAX_FAILURES - 1; i++) assert.equal(await check(flow, `guess-${i}`), 'wrong');
    assert.equal(await check(flow, 'last-guess'), 'locked', 'the guess that uses up the last try says so');
    assert.equal(await check(flow, 'right'), 'locked');
    assert.equal(await check(flow, 'another'), 'locked');
  });

  test('a re-sent code replaces the old one but keeps the failures', async () => {
    const flow = await issue();
    for (let i = 0; i < MAX_FAILURES - 1; i++) assert.equal(await check(flow, `guess-${i}`), 'wrong');
    await issue({ flowId: flow, channel: 'sms', codeHash: 'fresh', expiresAt: NOW + 2 * TEN_MINUTES, now: NOW + 5_000 });
    assert.equal(await check(flow, 'right'), 'locked', 'the old code is gone, and that was the last try');
    assert.equal(await check(flow, 'fresh'), 'locked', 'the re-send bought no extra guesses');
  });

  test('a lifetime shortened after the code was sent applies to it', async () => {
    const flow = await issue();
    const codes = (await database.store()).codes;
    const check5 = (at: number) => codes.check({ flowId: flow, codeHash: 'right', now: at, maxFailures: MAX_FAILURES, maxAgeMs: 5 * 60_000 });
    assert.equal(await check5(NOW + 6 * 60_000), 'expired', 'six minutes old, under a five-minute lifetime');
    assert.equal(await check5(NOW + 4 * 60_000), 'accepted');
  });

  test('a code re-sent after use can be used again, until its own expiry', async () => {
    const flow = await issue();
    assert.equal(await check(flow, 'right'), 'accepted');
    await issue({ flowId: flow, codeHash: 'next', expiresAt: NOW + 2 * TEN_MINUTES });
    assert.equal(await check(flow, 'next', NOW + TEN_MINUTES + 1), 'accepted', 'the new expiry applies');
  });

  test('concurrent checks of the right code: exactly one is accepted', async () => {
    const flow = await issue();
    const results = await Promise.all(Array.from({ length: 12 }, () => check(flow, 'right')));
    assert.equal(results.filter((r) => r === 'accepted').length, 1, results.join(', '));
    assert.ok(
      results.every((r) => r === 'accepted' || r === 'used'),
      results.join(', '),
    );
  });

  test('concurrent wrong guesses are all counted', async () => {
    const flow = await issue();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => check(flow, `guess-${i}`)));
    assert.equal(results.filter((r) => r === 'wrong').length, MAX_FAILURES - 1, results.join(', '));
    assert.equal(results.filter((r) => r === 'locked').length, 8 - MAX_FAILURES + 1);
    assert.equal(await check(flow, 'right'), 'locked');
  });

  test('an unknown flow is refused; a decoy flow without a user behaves like any other', async () => {
    assert.equal(await check('no-such-flow', 'right'), 'unknown');
    const decoy = await issue({ userGuid: null });
    assert.equal(await check(decoy, 'guess'), 'wrong');
  });

  test('remove forgets a flow; purgeExpired removes exactly the expired codes', async () => {
    const { codes } = await database.store();
    const flow = await issue();
    assert.equal(await codes.remove(flow), true);
    assert.equal(await check(flow, 'right'), 'unknown');

    const later = NOW + 365 * 24 * 3600 * 1000; // beyond every other test's codes
    const gone = await issue({ expiresAt: later });
    const kept = await issue({ expiresAt: later + 1 });
    assert.ok((await codes.purgeExpired(later)) >= 1);
    assert.equal(await check(gone, 'right', later - 1), 'unknown');
    assert.equal(await check(kept, 'right', later - 1), 'accepted');
    assert.equal(await codes.purgeExpired(later), 0, 'nothing left to purge');
  });
});
