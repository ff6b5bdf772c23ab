/**
 * The reminders settings in the admin console: the page previews the reminder as worded (saved
 * or just typed), "send me a test reminder" sends one, worded as typed and saving nothing, to
 * the signed-in admin's own directory address only; a save is audited and in force at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saveSettings, signedInAdmin } from '../../testing/admin-console.ts';
import { devDomain } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import type { WebClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

const admin = (): Promise<WebClient> => signedInAdmin(fixture.portal.app.server);

test('the reminders page previews the reminder a person would get, link to the change page and all', async () => {
  const client = await admin();
  const page = await client.get('/admin/settings/reminders');
  assert.equal(page.status, 200);
  assert.match(page.body, /id="preview"/);
  assert.match(page.body, /<strong>Your Latchkey password expires in 14 days<\/strong>/);
  assert.match(page.body, /Hello Jane Doe,/);
  assert.match(page.body, /https:\/\/passwords\.latchkey\.test\/change\?username=jdoe/);
  assert.match(page.body, /Send me a test reminder/);
});

test('a test reminder goes to the admin’s own address, worded as typed, and nothing is saved', async () => {
  const client = await admin();
  const { outbox, app } = fixture.portal;
  const page = await saveSettings(client, 'reminders', { 'field:texts': 'en:\n  subject: "Test: {days} days left for {account}"' }, '/test');
  assert.equal(page.status, 200);
  assert.match(page.body, /a test reminder \(14 days before expiry\) was sent to lk-admin@latchkey\.test/);
  assert.match(page.body, /<strong>Test: 14 days left for jdoe<\/strong>/, 'the preview shows the wording as typed');
  const mail = await outbox.waitFor((message) => message.subject.startsWith('Test: '));
  assert.deepEqual(mail.to, [`${facts.admins.member}@${facts.dnsDomain}`]);
  assert.equal(mail.subject, `Test: 14 days left for ${facts.admins.member}`);
  assert.match(mail.text, new RegExp(`change\\?username=${facts.admins.member}`));
  assert.deepEqual(app.runtime.settings.current().reminders.texts, {}, 'a test saves nothing');
  const [audited] = await app.store.audit.query({ action: 'settings-test', limit: 1 });
  assert.equal(audited?.actor, facts.admins.member);
  assert.match(audited?.detail ?? '', /^reminders: a test reminder .* sent to lk-admin@latchkey\.test$/);
});

test('saved lead days and wording are audited and in force at once; bad lead days are refused on their field', async () => {
  const client = await admin();
  const { app } = fixture.portal;
  const refused = await saveSettings(client, 'reminders', { 'field:leadDays': '- 7\n- 7' });
  assert.match(refused.body, /must not name a day twice/);
  assert.deepEqual(app.runtime.settings.current().reminders.leadDays, [14, 7, 3, 1]);
  const saved = await saveSettings(client, 'reminders', { 'field:enabled': 'on', 'field:leadDays': '- 10\n- 2' });
  assert.equal(saved.status, 200);
  assert.deepEqual(app.runtime.settings.current().reminders.leadDays, [10, 2]);
  assert.equal(app.runtime.settings.current().reminders.enabled, true);
  assert.match(saved.body, /<strong>Your Latchkey password expires in 10 days<\/strong>/);
  const changes = await app.store.audit.query({ action: 'settings-change' });
  assert.ok(
    changes.some((entry) => /reminders\.leadDays/.test(entry.detail ?? '')),
    JSON.stringify(changes.map((c) => c.detail)),
  );
});
