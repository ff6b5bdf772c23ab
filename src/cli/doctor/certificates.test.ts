/** The doctor judges a certificate's expiry by the same rule as the dashboard, /metrics and the daily check. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateExpiry } from '../../certificates/health.ts';
import { expiryStatus } from './certificates.ts';

const DAY_MS = 86_400_000;

test("the doctor's verdict is certificates.ts's, at every distance from the expiry", () => {
  const now = Date.UTC(2030, 0, 1);
  const status = { ok: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;
  for (const offset of [-400 * DAY_MS, -DAY_MS, -1, 0, 1, DAY_MS - 1, DAY_MS, 29 * DAY_MS + 1, 30 * DAY_MS - 1, 30 * DAY_MS, 400 * DAY_MS]) {
    const shared = certificateExpiry(new Date(now + offset), now);
    assert.deepEqual(expiryStatus(new Date(now + offset), now), { status: status[shared.state], daysLeft: shared.daysLeft }, `offset ${offset} ms`);
  }
});

test('a certificate is valid up to and including its notAfter instant: 0 days left, a warning', () => {
  const now = Date.UTC(2030, 0, 1);
  assert.deepEqual(expiryStatus(new Date(now), now), { status: 'WARN', daysLeft: 0 });
  assert.deepEqual(expiryStatus(new Date(now - 1), now), { status: 'FAIL', daysLeft: -1 });
});
