import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPassword, domainPolicy, fineGrainedPolicy, lockoutImminent, type PasswordPolicy } from './password-policy.ts';

const DAY = 24 * 3600 * 1000;

describe('reading policies', () => {
  test('the domain head: lengths, complexity bit, intervals', () => {
    const policy = domainPolicy({
      minPwdLength: '8',
      pwdProperties: '1',
      pwdHistoryLength: '24',
      minPwdAge: '-864000000000',
      maxPwdAge: '-77760000000000',
      lockoutThreshold: '5',
      lockoutDuration: '-18000000000',
      lockOutObservationWindow: '-18000000000',
    });
    assert.deepEqual(policy, {
      source: 'domain',
      name: null,
      unreadablePso: null,
      minLength: 8,
      complexity: true,
      historyLength: 24,
      minAgeMs: DAY,
      maxAgeMs: 90 * DAY,
      lockoutThreshold: 5,
      lockoutDurationMs: 30 * 60 * 1000,
      lockoutWindowMs: 30 * 60 * 1000,
    });
  });

  test('passwords that never expire and lockouts that last until an admin unlocks', () => {
    const policy = domainPolicy({ pwdProperties: '0', maxPwdAge: '-9223372036854775808', lockoutDuration: '-9223372036854775808' });
    assert.equal(policy.complexity, false);
    assert.equal(policy.maxAgeMs, null);
    assert.equal(policy.lockoutDurationMs, null);
    assert.equal(domainPolicy({ maxPwdAge: '0' }).maxAgeMs, null);
  });

  test('a PSO', () => {
    const policy = fineGrainedPolicy({
      name: 'Latchkey Strict',
      'msDS-MinimumPasswordLength': '12',
      'msDS-PasswordComplexityEnabled': 'TRUE',
      'msDS-PasswordHistoryLength': '24',
      'msDS-MinimumPasswordAge': '-864000000000',
      'msDS-MaximumPasswordAge': '-51840000000000',
      'msDS-LockoutThreshold': '3',
    });
    assert.equal(policy.source, 'fine-grained');
    assert.equal(policy.name, 'Latchkey Strict');
    assert.equal(policy.minLength, 12);
    assert.equal(policy.complexity, true);
    assert.equal(policy.maxAgeMs, 60 * DAY);
    assert.equal(policy.lockoutThreshold, 3);
  });
});

describe('checking a candidate password', () => {
  const policy: PasswordPolicy = domainPolicy({ minPwdLength: '8', pwdProperties: '1' });
  const owner = { samAccountName: 'jsmith', displayName: 'John Smith-Walker' };

  test('long enough and three classes passes', () => {
    assert.deepEqual(checkPassword(policy, 'Tulip-garden-7', owner), []);
  });

  test('too short is reported, and so is too simple', () => {
    assert.deepEqual(checkPassword(policy, 'Ab1!', owner), ['too-short']);
    assert.deepEqual(checkPassword(policy, 'alllowercase', owner), ['complexity']);
    assert.deepEqual(checkPassword(policy, 'short', owner), ['too-short', 'complexity']);
  });

  test('two classes are not enough; any three of five are', () => {
    assert.deepEqual(checkPassword(policy, 'abcdefGHIJ', owner), ['complexity']);
    assert.deepEqual(checkPassword(policy, 'abcdef1234!', owner), []);
    assert.deepEqual(checkPassword(policy, 'パスワードabc12', owner), []); // letters without case count
  });

  test('the account name and display-name parts of 3+ characters are refused, whatever the case', () => {
    assert.deepEqual(checkPassword(policy, 'xxJSMITHxx-1A', owner), ['complexity']);
    assert.deepEqual(checkPassword(policy, 'Walker-2026!', owner), ['complexity']);
    assert.deepEqual(checkPassword(policy, 'Kiwi-Jo-2026!', owner), []); // "Jo" is under 3 characters
  });

  test('without complexity only the length counts', () => {
    const lax = { ...policy, complexity: false };
    assert.deepEqual(checkPassword(lax, 'jsmithjsmith', owner), []);
  });
});

describe('one wrong password from a lockout', () => {
  const policy = (lockoutThreshold: number, lockoutWindowMs: number | null = 30 * 60_000) =>
    ({ ...domainPolicy({}), lockoutThreshold, lockoutWindowMs }) as PasswordPolicy;
  const now = Date.parse('2026-11-22T10:00:00Z');
  const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000);

  test('threshold - 1 wrong passwords within the window: the next would lock', () => {
    assert.equal(lockoutImminent(policy(5), { badPasswordCount: 4, lastBadPasswordAt: minutesAgo(1) }, now), true);
    assert.equal(lockoutImminent(policy(5), { badPasswordCount: 3, lastBadPasswordAt: minutesAgo(1) }, now), false);
    assert.equal(lockoutImminent(policy(3), { badPasswordCount: 2, lastBadPasswordAt: minutesAgo(1) }, now), true);
  });

  test('a count older than the observation window has lapsed', () => {
    assert.equal(lockoutImminent(policy(5), { badPasswordCount: 4, lastBadPasswordAt: minutesAgo(31) }, now), false);
    assert.equal(lockoutImminent(policy(5, null), { badPasswordCount: 4, lastBadPasswordAt: minutesAgo(600) }, now), true, 'no window: the count stands');
  });

  test('a domain that never locks accounts is never one away', () => {
    assert.equal(lockoutImminent(policy(0), { badPasswordCount: 40, lastBadPasswordAt: minutesAgo(1) }, now), false);
  });
});
