/**
 * The dashboard's figures without HTTP: counted by each database from the audit trail, the
 * enrollment coverage against the dev domain's users, and the health of the real connections.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { dashboard, dashboardDays } from './dashboard.ts';

const facts = devDomain();

test('the period: 30 days for none or nonsense, else within 1 to 366', () => {
  assert.equal(dashboardDays(Number.NaN), 30);
  assert.equal(dashboardDays(0), 30);
  assert.equal(dashboardDays(7), 7);
  assert.equal(dashboardDays(-3), 1);
  assert.equal(dashboardDays(5000), 366);
});

forEachPortalDatabase('the dashboard', {}, (fixture) => {
  test('the period’s numbers, a chart with dated axes and a value per day, failures by reason, and the coverage', async () => {
    const { admin, store } = fixture.portal.app;
    const now = admin.now();
    // Today's events at the start of today, so that none falls into yesterday whenever this runs.
    const today = Math.floor(now / 86_400_000) * 86_400_000;
    const event = (at: number, action: string, outcome = 'success', detail: string | null = null) =>
      store.audit.record({ at, category: 'self-service', actor: 'someone', action, outcome, sourceIp: '10.62.0.1', detail });
    await event(today, 'reset');
    await event(today, 'reset');
    await event(today, 'unlock');
    await event(now - 3 * 86_400_000, 'change');
    await event(today, 'reset', 'failure', 'LK_PASSWORD_TOO_SHORT');
    await event(today, 'portal-lockout', 'refused');
    await event(today, 'verification-locked', 'refused');
    await event(now - 40 * 86_400_000, 'reset'); // before the period
    await store.enrollments.save({ userGuid: randomUUID(), username: facts.users.staff[0]!, answers: [], now });

    const board = await dashboard(admin, 7);
    assert.deepEqual(
      { reset: board.totals.reset, unlock: board.totals.unlock, change: board.totals.change, locked: board.totals['verification-locked'] },
      { reset: 2, unlock: 1, change: 1, locked: 2 },
    );
    assert.deepEqual(
      board.reasons.map(({ action, detail, count }) => ({ action, detail, count })),
      [{ action: 'reset', detail: 'LK_PASSWORD_TOO_SHORT', count: 1 }],
    );
    assert.doesNotMatch(board.reasons[0]!.words, /LK_/, `in words: ${board.reasons[0]!.words}`);
    const { chart } = board;
    assert.deepEqual(
      chart.series.map((series) => [series.name, series.total]),
      [
        ['reset', 2],
        ['unlock', 1],
        ['change', 1],
        ['enroll', 0],
      ],
    );
    assert.deepEqual([chart.days.length, chart.days.at(-1), chart.series[0]!.values.at(-1)], [7, new Date(now).toISOString().slice(0, 10), 2], 'today last');
    assert.equal(chart.xTicks.at(-1)!.label, chart.days.at(-1)!.slice(5), 'the x axis is dated, today marked');
    assert.equal(board.coverage.enrolled, 1);
    assert.ok(board.coverage.users !== null && board.coverage.users > 1, 'the users in the search bases are counted by the directory');
    assert.equal(board.coverage.percent, Math.round((1 / board.coverage.users!) * 1000) / 10);
    assert.equal((await dashboard(admin, 30)).totals.reset, 2, 'a longer period, the same events');
  });

  test('new passwords refused by rule over the period, self-service and helpdesk together', async () => {
    const { admin, store } = fixture.portal.app;
    const now = admin.now();
    const refused = (at: number, category: 'self-service' | 'helpdesk', detail: string) =>
      store.audit.record({ at, category, actor: 'someone', action: 'password-refused', outcome: 'refused', sourceIp: '10.62.0.2', detail });
    await refused(now, 'self-service', 'breached; reset');
    await refused(now, 'self-service', 'breached; change');
    await refused(now, 'helpdesk', 'breached; helpdesk; typed');
    await refused(now, 'self-service', 'no-sequences; me');
    await refused(now - 40 * 86_400_000, 'self-service', 'min-length; reset'); // before the period
    const board = await dashboard(admin, 7);
    assert.deepEqual(board.refusals, [
      { rule: 'breached', count: 3 },
      { rule: 'no-sequences', count: 1 },
    ]);
  });

  test('enrolled accounts per factor: answers and addresses from the enrollments, the app, passkeys and unused recovery codes from their tables', async () => {
    const { admin, store } = fixture.portal.app;
    const hash = { question: 'What was the name of your first pet?', answerHash: 'h' };
    const now = admin.now();
    await store.enrollments.save({ userGuid: randomUUID(), username: 'f1', email: 'f1@x.test', mobile: '+15550100002', answers: [hash], now });
    await store.enrollments.save({ userGuid: randomUUID(), username: 'f2', email: 'f2@x.test', answers: [], now });
    const before = Object.fromEntries((await dashboard(admin, 7)).factors.map((factor) => [factor.name, factor.accounts]));
    const [withApp, withKeys, withCodes, allUsed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.totp.bind({ userGuid: withApp, sealedSecret: 'sealed', now });
    const passkey = { userGuid: withKeys, publicKey: 'key', counter: 0, transports: [], multiDevice: false, backedUp: false, createdAt: now };
    await store.passkeys.add({ ...passkey, credentialId: randomUUID(), name: 'one' });
    await store.passkeys.add({ ...passkey, credentialId: randomUUID(), name: 'two' });
    await store.recoveryCodes.replace({ userGuid: withCodes, codeHashes: ['a', 'b'], now });
    await store.recoveryCodes.replace({ userGuid: allUsed, codeHashes: ['c'], now });
    await store.recoveryCodes.use({ userGuid: allUsed, codeHash: 'c', now });
    const after = Object.fromEntries((await dashboard(admin, 7)).factors.map((factor) => [factor.name, factor.accounts]));
    assert.ok(Number(before.questions) >= 1 && Number(before.email) >= 2 && Number(before.mobile) >= 1);
    assert.deepEqual(after, {
      ...before,
      totp: Number(before.totp) + 1,
      passkey: Number(before.passkey) + 1,
      recovery: Number(before.recovery) + 1,
    });
  });

  test('the health of the directory, mail, SMS and certificates, each in words', async () => {
    const board = await dashboard(fixture.portal.app.admin, 7);
    const health = Object.fromEntries(board.health.map((item) => [item.name, item]));
    assert.deepEqual(health.directory, { name: 'directory', label: 'Directory', state: 'ok', detail: `${facts.dnsDomain}: service account bound` });
    assert.equal(health.mail?.state, 'ok');
    assert.match(health.mail?.detail ?? '', /^127\.0\.0\.1:\d+ answers$/);
    assert.deepEqual(health.sms, { name: 'sms', label: 'Text messages', state: 'ok', detail: 'twilio configured' });
    assert.equal(health['certificate 127.0.0.1:636']?.state, 'ok');
    assert.equal(health['web certificate']?.state, 'off', 'the test portal serves plain HTTP');
  });
});

forEachPortalDatabase('the dashboard: coverage over time and campaigns', {}, (fixture) => {
  test('each recorded day is a bar of its coverage in percent; campaign figures are counted', async () => {
    const { admin, store } = fixture.portal.app;
    const today = Math.floor(admin.now() / 86_400_000);
    await store.campaigns.recordCoverage({ day: today - 2, users: 200, enrolled: 50 }, admin.now());
    await store.campaigns.recordCoverage({ day: today - 1, users: null, enrolled: 60 }, admin.now());
    await store.campaigns.recordCoverage({ day: today, users: 200, enrolled: 110 }, admin.now());
    await store.campaigns.claim(null, { userGuid: randomUUID(), username: 'invited' }, admin.now());

    const board = await dashboard(admin, 7);
    const bars = board.coverageHistory.bars;
    assert.equal(bars.length, 7);
    const date = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual(
      bars.slice(-3).map((bar) => [date(bar.day / 86_400_000), bar.count, bar.unit, bar.height]),
      [
        [date(today - 2), 25, ' %', 28],
        [date(today - 1), null, ' %', 0],
        [date(today), 55, ' %', 61],
      ],
      'a full bar would be everyone; a day without a count of users is empty',
    );
    assert.equal(bars[0]!.count, null, 'no record before');
    assert.deepEqual(board.campaigns, { enabled: false, invited: 1, reminded: 0, enrolled: 0 });
  });
});
