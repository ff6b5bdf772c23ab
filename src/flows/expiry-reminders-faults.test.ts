/**
 * Faults in a run of expiry reminders lose nothing and send nothing twice (dev domain, 40
 * accounts expiring in 10 days, mail to an SMTP server that can go down, the DC behind a proxy
 * that can go away): the mail server down part-way, the instance stopped mid-run, the DC lost
 * mid-scan, a send whose outcome its run never learned. Each test moves the clock to the next
 * lead day, so each has a fresh reminder per account to send.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { devDomain, startDcFaultProxy } from '../testing/dev-domain.ts';
import { DAY_MS, reminderFixture } from '../testing/reminder-fixture.ts';
import type { TcpProxy } from '../testing/tcp-proxy.ts';

const ACCOUNTS = 40;
let dc: TcpProxy;
before(async () => {
  dc = await startDcFaultProxy();
});
after(async () => dc.stop());

// The first DC is the proxy: once it goes away, the directory fails over to the DC itself.
const fixture = reminderFixture({
  maxAgeDays: 10,
  accounts: ACCOUNTS,
  portalSettings: () => ({ directory: { urls: [`ldaps://127.0.0.1:${dc.port}`, devDomain().url] } }),
});

/** How many reminders with `subject` each account got; every one must be exactly 1 after a fault and a rerun. */
function perAccount(subject: RegExp): number[] {
  return fixture.accounts.map((user) => fixture.mailTo(user).filter((message) => subject.test(message.subject)).length);
}

test('the mail server down part-way: the run stops, the next run sends the rest, nobody gets one twice', async () => {
  const { portal, sink } = fixture;
  sink.onAccepted = (count) => {
    if (count === 5) sink.down = true;
  };
  const stopped = await portal.app.reminders();
  assert.equal(stopped.outcome, 'failed');
  assert.match(stopped.detail ?? '', /deliveries failed in a row \(LK_MAIL_FAILED/);
  assert.ok(stopped.sent >= 5 && stopped.sent < ACCOUNTS, `sent ${stopped.sent}`);
  const failures = await portal.app.store.audit.query({ action: 'expiry-reminder', outcome: 'failure' });
  assert.equal(failures.length, stopped.failed);

  sink.down = false;
  sink.onAccepted = null;
  const rest = await portal.app.reminders();
  assert.equal(rest.outcome, 'complete');
  assert.equal(stopped.sent + rest.sent, ACCOUNTS);
  assert.deepEqual(perAccount(/in 10 days/), Array(ACCOUNTS).fill(1));
});

test('the instance stopped mid-run: the next run sends the rest, nobody gets one twice', async () => {
  const { portal, sink } = fixture;
  portal.advanceClock(4 * DAY_MS);
  const shutdown = new AbortController();
  sink.onAccepted = () => shutdown.abort();
  const stopped = await portal.app.reminders({ signal: shutdown.signal });
  sink.onAccepted = null;
  assert.equal(stopped.outcome, 'failed');
  assert.match(stopped.detail ?? '', /the run was stopped/);
  assert.ok(stopped.sent >= 1 && stopped.sent < ACCOUNTS, `sent ${stopped.sent}`);
  const rest = await portal.app.reminders();
  assert.equal(stopped.sent + rest.sent, ACCOUNTS);
  assert.deepEqual(perAccount(/in 6 days/), Array(ACCOUNTS).fill(1));
});

test('the DC lost mid-scan: the scan starts again on the next DC, and nobody gets one twice', async () => {
  const { portal, sink } = fixture;
  portal.advanceClock(3 * DAY_MS);
  sink.onAccepted = () => void dc.stop();
  const report = await portal.app.reminders({ pageSize: 4 });
  sink.onAccepted = null;
  assert.ok(dc.connections > 0, 'the directory went through the first DC');
  assert.equal(report.outcome, 'complete', report.detail ?? '');
  assert.equal(report.sent, ACCOUNTS);
  assert.ok(report.alreadySent > 0, 'the second scan met the reminders the first had sent');
  assert.deepEqual(perAccount(/in 3 days/), Array(ACCOUNTS).fill(1));
  assert.ok(portal.logLines.some((line) => line.includes('scanning again')));
  await dc.start();
});

test('a send whose run never learned its outcome (stopped between claim and record) is not sent again', async () => {
  const { portal } = fixture;
  portal.advanceClock(2 * DAY_MS);
  const [first] = fixture.accounts;
  let claimed = false;
  for await (const account of portal.app.directory.passwordExpiries()) {
    if (account.samAccountName !== first!.sam) continue;
    claimed = await portal.app.store.expiryReminders.claim(
      { accountGuid: account.guid, passwordSet: account.passwordSet, leadDays: 1 },
      account.expiresAt.getTime(),
      portal.app.ctx.now(),
    );
  }
  assert.ok(claimed);
  const report = await portal.app.reminders();
  assert.equal(report.sent, ACCOUNTS - 1);
  assert.equal(report.alreadySent, 1);
  assert.deepEqual(perAccount(/in 1 day\b/), [0, ...Array(ACCOUNTS - 1).fill(1)]);
  assert.equal(await portal.app.store.expiryReminders.unsettled(portal.app.ctx.now() + 1), 1, 'it is counted as unsettled');
  portal.advanceClock(-9 * DAY_MS);
});
