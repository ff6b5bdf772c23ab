/**
 * Expiry reminders against the dev domain: a throwaway OU as the only search base, a
 * fine-grained policy (passwords expire 10 days after they are set) applied through a group,
 * mail to an in-process SMTP server, the flows' clock moved by hand. Who gets which reminder,
 * once per password, and who gets none; the dry run; the daily job's once-a-day.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { DAY_MS, reminderFixture } from '../testing/reminder-fixture.ts';
import { dashboard } from './admin/dashboard.ts';
import { reminderMessage } from './expiry-reminder-message.ts';
import { daysLeft, dueLeadDay } from './expiry-reminders.ts';

const fixture = reminderFixture({ maxAgeDays: 10 });
const EDITOR = { sam: 'test', guid: null, ip: '-' };

test('the reminder due is the smallest lead day not below the days left; days are rounded up', () => {
  assert.equal(dueLeadDay(10, [14, 7, 3, 1]), 14);
  assert.equal(dueLeadDay(7, [14, 7, 3, 1]), 7);
  assert.equal(dueLeadDay(6, [14, 7, 3, 1]), 7);
  assert.equal(dueLeadDay(15, [14, 7, 3, 1]), null);
  assert.equal(daysLeft(new Date(DAY_MS * 10 + 1), 0), 11);
  assert.equal(daysLeft(new Date(DAY_MS * 10), 0), 10);
});

test('under a fine-grained policy the password expiring in the window gets its reminder; never-expiring, disabled, must-change and just-changed ones get none', async () => {
  const { portal, sink } = fixture;
  const due = await fixture.expiring();
  await fixture.expiring({ userAccountControl: String(0x200 | 0x10000) }); // password never expires
  await fixture.expiring({ userAccountControl: String(0x200 | 0x2) }); // disabled
  const mustChange = await fixture.expiring();
  await fixture.admin.modify(mustChange.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
  const changed = await fixture.plain(); // the domain's 90 days
  await fixture.newPassword(changed);

  const listed: string[] = [];
  const dry = await portal.app.reminders({
    dryRun: true,
    onDue: (reminder) => listed.push(`${reminder.account.samAccountName} ${reminder.leadDays} ${reminder.to.email}`),
  });
  assert.deepEqual(listed, [`${due.sam} 14 ${due.sam}@latchkey.test`]);
  assert.equal(dry.scanned, 2, 'disabled, never-expiring and must-change accounts are not even read');
  assert.equal(sink.received.length, 0, 'a dry run sends nothing');

  const report = await portal.app.reminders();
  assert.equal(report.outcome, 'complete');
  assert.equal(report.sent, 1);
  assert.deepEqual(
    sink.received.map((message) => message.to),
    [`${due.sam}@latchkey.test`],
  );
  assert.equal(sink.received[0]!.subject, 'Your Latchkey password expires in 10 days');
  const [audited] = await portal.app.store.audit.query({ action: 'expiry-reminder' });
  assert.equal(audited?.target, due.sam);
  assert.equal(audited?.outcome, 'success');
  assert.match(audited?.detail ?? '', /^14-day reminder \(expires .*\); e-mail to t•+@latchkey\.test sent$/);
  assert.equal(
    report.upcoming.reduce((a, b) => a + b, 0),
    1,
  );
});

test('the dashboard shows reminders sent and failed, the passwords expiring in the next 14 days and those already expired', async () => {
  const { portal } = fixture;
  const report = await portal.app.reminders();
  const board = await dashboard(portal.app.admin, 7);
  assert.equal(board.reminders.sent, 1);
  assert.equal(board.reminders.failed, 0);
  assert.equal(
    board.reminders.lastRun?.upcoming,
    report.upcoming.reduce((a, b) => a + b, 0),
  );
  assert.ok((board.reminders.lastRun?.upcoming ?? 0) > 0);
  assert.equal(board.reminders.lastRun?.expired, report.expired);
  assert.equal(board.health.find((item) => item.name === 'expiry reminders')?.state, 'ok');
});

test('the body names the person and the account, and links to the change page at the public URL with the name filled in', () => {
  const message = reminderMessage(
    fixture.portal.app.ctx,
    { samAccountName: 'jdoe', displayName: 'Jane Doe', expiresAt: new Date(Date.UTC(2026, 0, 2)), daysLeft: 3 },
    undefined,
  );
  assert.equal(message.subject, 'Your Latchkey password expires in 3 days');
  assert.match(message.body, /^Hello Jane Doe,\n\nThe password of your account jdoe expires in 3 days, on Jan 2, 2026, 12:00 AM UTC\./);
  const once = reminderMessage(
    fixture.portal.app.ctx,
    { samAccountName: 'jdoe', displayName: null, expiresAt: new Date(Date.UTC(2026, 0, 2)), daysLeft: 1 },
    'de',
  );
  assert.equal(once.subject, 'Ihr Passwort bei Latchkey läuft in 1 Tag ab', 'one day in the singular, in the person’s language');
  assert.match(once.body, /am 2\. Jan\. 2026, 00:00 UTC\./, 'the date as German writes it');
  assert.match(message.body, /\nhttps:\/\/passwords\.latchkey\.test\/change\?username=jdoe\n/);
  assert.match(message.sms, /expires in 3 days\. Change it now at https:\/\/passwords\.latchkey\.test\/change\?username=jdoe$/);
});

test('the admin’s wording for a language replaces the built-in one, placeholders and all', () => {
  const texts = { en: { subject: '{days} days left for {account}' } };
  const message = reminderMessage(fixture.portal.app.ctx, { samAccountName: 'jdoe', displayName: null, expiresAt: new Date(), daysLeft: 7 }, 'en', texts);
  assert.equal(message.subject, '7 days left for jdoe');
  assert.match(message.body, /^Hello jdoe,/, 'the body keeps the built-in wording');
});

test('the next day the same reminder does not come again; the 7-day one comes when due; an expired password is reported, not reminded', async () => {
  const { portal, sink } = fixture;
  const before = sink.received.length;
  portal.advanceClock(DAY_MS);
  const nextDay = await portal.app.reminders();
  assert.equal(nextDay.sent, 0);
  assert.equal(nextDay.alreadySent, 1);
  assert.equal(sink.received.length, before);

  portal.advanceClock(3 * DAY_MS);
  const sevenDays = await portal.app.reminders();
  assert.equal(sevenDays.sent, 1);
  assert.match(sink.received.at(-1)!.subject, /expires in 6 days/);

  portal.advanceClock(7 * DAY_MS);
  const expired = await portal.app.reminders();
  assert.equal(expired.expired, 1);
  assert.equal(expired.sent, 0);
  assert.match((await portal.app.store.audit.query({ action: 'expiry-reminder-run', limit: 1 }))[0]?.detail ?? '', /already expired 1;/);
  portal.advanceClock(-11 * DAY_MS);
});

test('a new password starts a new series: its first reminder comes although the old password had it', async () => {
  const { portal } = fixture;
  const user = await fixture.expiring();
  assert.equal((await portal.app.reminders()).sent, 1);
  await fixture.newPassword(user);
  assert.equal((await portal.app.reminders()).sent, 1);
  assert.equal(fixture.mailTo(user).length, 2);
});

test('with SMS on, the reminder also goes as a text to the mobile number; without an address it is counted, not claimed', async () => {
  const { portal } = fixture;
  await portal.app.admin.settings.save('reminders', { enabled: true, sms: true }, EDITOR);
  portal.app.runtime.apply();
  const user = await fixture.expiring();
  const nowhere = await fixture.expiring();
  await fixture.admin.modify(nowhere.dn, [
    new Change({ operation: 'delete', modification: new Attribute({ type: 'mail', values: [] }) }),
    new Change({ operation: 'delete', modification: new Attribute({ type: 'mobile', values: [] }) }),
  ]);
  const report = await portal.app.reminders();
  assert.equal(report.sent, 1);
  assert.equal(report.noAddress, 1);
  const text = portal.twilio.sent.find((message) => message.body.includes(user.sam));
  assert.equal(text?.to, '+15550100999');
  assert.match(text?.body ?? '', /expires in 10 days\. Change it now at https:\/\/passwords\.latchkey\.test\/change\?username=/);
  const audited = (await portal.app.store.audit.query({ action: 'expiry-reminder' })).find((entry) => entry.target === user.sam);
  assert.match(audited?.detail ?? '', /e-mail to .* sent; text to \+•+0999 sent$/);
  assert.equal((await portal.app.reminders()).noAddress, 1, 'nothing was claimed for the account without an address');
  await portal.app.admin.settings.save('reminders', { enabled: true }, EDITOR);
  portal.app.runtime.apply();
});

test('the daily job runs once its time of day has come, and once a day (a run by hand counts as the day’s)', async () => {
  const { portal } = fixture;
  const settings = async (reminders: Record<string, unknown>) => {
    const saved = await portal.app.admin.settings.save('reminders', reminders, EDITOR);
    assert.equal(saved.ok, true, JSON.stringify(saved));
    portal.app.runtime.apply();
  };
  await settings({ enabled: true, timeOfDay: '00:00' });
  assert.equal(await portal.app.jobs.expiryReminders(), null, 'the runs by hand above were today’s');
  portal.advanceClock(2 * DAY_MS); // the test above ran on the next day too
  await settings({ enabled: true, timeOfDay: '23:59' });
  const now = new Date(portal.app.ctx.now());
  if (now.getUTCHours() * 60 + now.getUTCMinutes() < 23 * 60 + 59) assert.equal(await portal.app.jobs.expiryReminders(), null, 'not before its time');
  await settings({ enabled: true, timeOfDay: '00:00' });
  assert.equal((await portal.app.jobs.expiryReminders())?.outcome, 'complete');
  assert.equal(await portal.app.jobs.expiryReminders(), null, 'a run completed today: no second one');
  await settings({ enabled: false });
  portal.advanceClock(DAY_MS);
  assert.equal(await portal.app.jobs.expiryReminders(), null, 'off is off');
  portal.advanceClock(-3 * DAY_MS);
});
