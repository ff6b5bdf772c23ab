/**
 * The dashboard counts throttled sign-ins from every area (self-service, change, helpdesk,
 * console) and says failure reasons in words, on both databases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { dashboard } from './dashboard.ts';

forEachPortalDatabase('the dashboard in words', {}, (fixture) => {
  test('throttled sign-ins are counted from every area; failure reasons are said in words', async () => {
    const { admin, store } = fixture.portal.app;
    const now = admin.now();
    const before = (await dashboard(admin, 7)).totals['throttled-sign-ins']!;
    const entry = (category: 'self-service' | 'helpdesk' | 'admin', action: string, detail: string, outcome = 'refused') =>
      store.audit.record({ at: now, category, actor: 'someone', action, outcome, sourceIp: '10.62.0.3', detail });
    await entry('self-service', 'rate-limited', 'account sign-in: rate-limited');
    await entry('self-service', 'rate-limited', 'change: rate-limited');
    await entry('helpdesk', 'sign-in', 'rate-limited');
    await entry('admin', 'sign-in', 'rate-limited');
    await entry('self-service', 'rate-limited', 'per address'); // a first step of reset, not a sign-in
    await entry('admin', 'sign-in', 'invalid-credentials');
    await entry('self-service', 'change', 'change: invalid-credentials');
    const board = await dashboard(admin, 7);
    assert.equal(board.totals['throttled-sign-ins'], before + 4);
    const wrong = board.reasons.find((reason) => reason.detail === 'change: invalid-credentials');
    assert.equal(wrong?.words, 'Wrong password');
  });
});
