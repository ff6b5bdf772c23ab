/**
 * The settings tests without HTTP: each connects with the values as typed (the dev domain's DC,
 * the test's SMTP server, the local Twilio stand-in), says what happened or the exact failure,
 * is audited on both databases, and saves nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { settingsView } from './settings.ts';
import type { SettingsForm } from './settings-form.ts';
import { testSettings } from './settings-test.ts';
import type { AdminSession } from './sign-in.ts';

const facts = devDomain();
const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a002', sam: facts.admins.member, displayName: null, lastSeen: 0 };
const requester = { ip: '10.64.0.1' };

forEachPortalDatabase('settings tests', {}, (fixture) => {
  /** The section's form as the page shows it (secrets empty: the stored ones are used), with `changes`. */
  async function formOf(section: 'directory' | 'smtp' | 'sms' | 'codes', changes: Record<string, string> = {}): Promise<SettingsForm> {
    const { fields } = await settingsView(fixture.portal.app.admin, section);
    const shown = fields.filter((field) => field.kind !== 'secret' && (!field.variant || field.variant === 'twilio'));
    return {
      ...Object.fromEntries(shown.map((field) => [field.path, field.kind === 'boolean' ? (field.value === 'true' ? 'on' : '') : field.value])),
      ...changes,
    };
  }
  const trail = () => fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-test', actor: facts.admins.member });

  test('the directory as stored connects and binds; the test is audited', async () => {
    const result = await testSettings(fixture.portal.app.admin, admin, 'directory', await formOf('directory'), '', requester);
    assert.ok(result.ok);
    assert.equal(result.failed, false);
    assert.match(result.tested, new RegExp(`bound as the service account; domain ${facts.dnsDomain} \\(${facts.netbiosDomain}\\)`));
    const [entry] = await trail();
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry?.detail, `directory: ${result.tested}`);
  });

  test('a wrong service account password fails with its code, is audited, and is not saved or shown', async () => {
    const { admin: ctx } = fixture.portal.app;
    const result = await testSettings(ctx, admin, 'directory', await formOf('directory', { bindPassword: 'not-the-password' }), '', requester);
    assert.ok(result.ok && result.failed);
    assert.match(result.tested, /^LK_SERVICE_ACCOUNT_REJECTED: /);
    assert.equal(result.submitted?.bindPassword, 'not-the-password', 'the typed values go back to the page, which never renders a secret');
    assert.equal(ctx.settings.current().directory.bindPassword, facts.serviceAccount.password, 'nothing was saved');
    assert.ok(await ctx.directory.findUser(facts.users.staff[0]!), 'the live connection is untouched');
    assert.ok((await trail()).some((entry) => entry.outcome === 'failure' && entry.detail?.startsWith('directory: LK_SERVICE_ACCOUNT_REJECTED')));
  });

  test('SMTP as stored answers; a server that is not there fails in words', async () => {
    const { admin: ctx, config } = { admin: fixture.portal.app.admin, config: fixture.portal.config };
    const port = config.smtp!.port;
    const passed = await testSettings(ctx, admin, 'smtp', await formOf('smtp'), '', requester);
    assert.deepEqual(passed.ok && [passed.failed, passed.tested], [false, `connected to 127.0.0.1:${port}`]);
    const failed = await testSettings(ctx, admin, 'smtp', await formOf('smtp', { port: '1', timeoutMs: '2000' }), '', requester);
    assert.ok(failed.ok && failed.failed);
    assert.equal(ctx.settings.current().smtp?.port, port, 'nothing was saved');
  });

  test('SMS: a test message goes to the number typed, and without one the test says so', async () => {
    const { admin: ctx, twilio } = { admin: fixture.portal.app.admin, twilio: fixture.portal.twilio };
    const without = await testSettings(ctx, admin, 'sms', await formOf('sms'), ' ', requester);
    assert.deepEqual(without.ok && [without.failed, without.tested], [
      true,
      'LK_SMS_TEST_NUMBER_REQUIRED: Type a mobile number to send the test message to, then test again.',
    ]);
    const sent = await testSettings(ctx, admin, 'sms', await formOf('sms'), '+15550100123', requester);
    assert.deepEqual(sent.ok && [sent.failed, sent.tested], [false, 'a test message was accepted by the gateway for +15550100123']);
    assert.equal(twilio.sent.at(-1)?.to, '+15550100123');
    assert.match(twilio.sent.at(-1)?.body ?? '', /test message from the admin console/);
  });

  test('a section without a connection says so; a value against the rules fails the test', async () => {
    const { admin: ctx } = fixture.portal.app;
    const codes = await testSettings(ctx, admin, 'codes', await formOf('codes'), '', requester);
    assert.deepEqual(codes.ok && codes.tested, 'these settings need no connection test');
    const before = (await trail()).length;
    const invalid = await testSettings(ctx, admin, 'codes', await formOf('codes', { maxFailures: '0' }), '', requester);
    assert.ok(invalid.ok && invalid.failed);
    assert.match(invalid.tested, /maxFailures: /);
    assert.equal((await trail()).length, before + 1, 'and is audited as a failed test');
  });

  test('a form that cannot be read is refused on its field before any test, and nothing is audited', async () => {
    const before = (await trail()).length;
    const result = await testSettings(fixture.portal.app.admin, admin, 'helpdesk', { groups: 'groups: [unclosed' }, '', requester);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((error) => error.field),
      ['groups'],
    );
    assert.equal((await trail()).length, before);
  });
});
