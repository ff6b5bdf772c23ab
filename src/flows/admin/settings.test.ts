/**
 * The settings pages' flows without HTTP, against the dev domain with the settings on both
 * databases: a section's fields (secrets never shown), a save that takes effect at once and is
 * audited old → new, and refusals that name the field and change nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatchkeyError } from '../../errors.ts';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { saveSettings, settingsSection, settingsView } from './settings.ts';
import type { SettingsForm } from './settings-form.ts';
import type { AdminSession } from './sign-in.ts';

const facts = devDomain();
const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a001', sam: facts.admins.member, displayName: null, lastSeen: 0 };
const requester = { ip: '10.63.0.1' };

test('a section is named by its name; any other is a page the console does not have', () => {
  assert.equal(settingsSection('codes'), 'codes');
  assert.throws(
    () => settingsSection('nonsense'),
    (error) => error instanceof LatchkeyError && error.code === 'LK_ADMIN_PAGE_NOT_FOUND' && error.status === 404,
  );
  assert.throws(() => settingsSection('toString'), { code: 'LK_ADMIN_PAGE_NOT_FOUND' });
});

forEachPortalDatabase('settings pages', { helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: facts.delegatedOus }] } }, (fixture) => {
  /** The section's form as the page shows it, with `changes`. */
  async function formOf(section: 'codes' | 'directory' | 'helpdesk' | 'sms', changes: Record<string, string> = {}): Promise<SettingsForm> {
    const { fields } = await settingsView(fixture.portal.app.admin, section);
    const shown = fields
      .filter((field) => field.kind !== 'secret' && (!field.variant || field.variant === 'twilio'))
      .map((field) => [field.path, field.kind === 'boolean' ? (field.value === 'true' ? 'on' : '') : field.value]);
    return { ...Object.fromEntries(shown), ...changes };
  }
  const changes = (path: string) =>
    fixture.portal.app.store.audit
      .query({ category: 'admin', action: 'settings-change' })
      .then((entries) => entries.filter((entry) => entry.detail?.startsWith(path)));

  test('the fields show what is stored; a secret only that one is stored; helpdesk also its groups', async () => {
    const { admin: ctx } = fixture.portal.app;
    const directory = await settingsView(ctx, 'directory');
    assert.deepEqual(
      directory.fields.find((field) => field.path === 'bindPassword'),
      { path: 'bindPassword', kind: 'secret', value: '', isSet: true, label: 'Service account password', help: null },
    );
    const urls = directory.fields.find((field) => field.path === 'urls');
    assert.deepEqual([urls?.label, urls?.help?.slice(0, 21)], ['Domain controller URLs', 'One per line, ldaps:/'], 'a label and help text for the field');
    assert.equal(directory.fields.find((field) => field.path === 'urls')?.value, facts.url);
    assert.equal(directory.groups, null);
    assert.ok(!JSON.stringify(directory).includes(facts.serviceAccount.password));
    const typed = await settingsView(ctx, 'directory', { urls: ['ldaps://typed.example'], bindPassword: 'typed-secret' });
    assert.equal(typed.fields.find((field) => field.path === 'urls')?.value, 'ldaps://typed.example', 'what was typed is shown again');
    assert.ok(!JSON.stringify(typed).includes('typed-secret'), 'but never a secret');
    const helpdesk = await settingsView(ctx, 'helpdesk');
    assert.deepEqual(helpdesk.groups, { admin: facts.admins.group, helpdesk: [{ group: 'Latchkey Helpdesk', dn: facts.helpdesk.group }] });
  });

  test('a save takes effect at once and is audited old → new; saving the same again changes nothing', async () => {
    const { admin: ctx } = fixture.portal.app;
    const saved = await saveSettings(ctx, admin, 'codes', await formOf('codes', { lifetimeMinutes: '4' }), requester);
    assert.deepEqual(saved, { ok: true, notice: 'Saved: 1 settings changed. They are in effect now.' });
    assert.equal(ctx.policy.codes.lifetimeMinutes, 4, 'the flows follow the new value');
    const [change] = await changes('codes.lifetimeMinutes');
    assert.equal(change?.detail, 'codes.lifetimeMinutes: 10 → 4');
    assert.equal(change?.actor, facts.admins.member);
    assert.equal(change?.sourceIp, requester.ip);
    assert.deepEqual(await saveSettings(ctx, admin, 'codes', await formOf('codes'), requester), { ok: true, notice: 'Nothing was changed.' });
    await saveSettings(ctx, admin, 'codes', await formOf('codes', { lifetimeMinutes: '10' }), requester);
  });

  test('a value against the rules is named on its field, and the whole section is left as it was', async () => {
    const { admin: ctx } = fixture.portal.app;
    const result = await saveSettings(ctx, admin, 'codes', await formOf('codes', { lifetimeMinutes: '7', maxFailures: '0' }), requester);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((error) => [error.field, ctx.t(error.code, error.params)]),
      [['maxFailures', 'Wrong codes before the attempt is locked must be at least 1.']],
      'in words, with the field’s label, not the validator’s text',
    );
    const zero = await saveSettings(ctx, admin, 'codes', await formOf('codes', { lifetimeMinutes: '0' }), requester);
    assert.ok(!zero.ok);
    assert.deepEqual(
      zero.errors.map((error) => ctx.t(error.code, error.params)),
      ['Code lifetime must be at least 1 minute.'],
    );
    const fraction = await saveSettings(ctx, admin, 'codes', await formOf('codes', { lifetimeMinutes: '2.5' }), requester);
    assert.deepEqual(!fraction.ok && fraction.errors.map((error) => ctx.t(error.code, error.params)), ['Code lifetime must be a whole number.']);
    assert.equal(result.submitted?.lifetimeMinutes, 7, 'what was typed comes back to be shown');
    assert.equal(ctx.settings.current().codes.lifetimeMinutes, 10);
    assert.deepEqual(await changes('codes.lifetimeMinutes: 10 → 7'), []);
  });

  test('YAML that cannot be read is named on its field, and nothing is saved', async () => {
    const { admin: ctx } = fixture.portal.app;
    const before = ctx.settings.current().helpdesk;
    const result = await saveSettings(ctx, admin, 'helpdesk', await formOf('helpdesk', { groups: 'groups: [unclosed' }), requester);
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.field, 'groups');
    assert.match(String(result.errors[0]?.params?.reason), /not valid YAML/);
    assert.equal(result.errors[0]?.params?.field, 'Helpdesk groups', 'named by its label');
    assert.deepEqual(ctx.settings.current().helpdesk, before);
  });

  test('an empty secret keeps the stored one: the directory still binds after a save', async () => {
    const { admin: ctx } = fixture.portal.app;
    const saved = await saveSettings(ctx, admin, 'directory', await formOf('directory', { timeoutMs: '9000' }), requester);
    assert.ok(saved.ok);
    assert.ok(await ctx.directory.findUser(facts.users.staff[0]!), 'the rebuilt connection binds with the stored password');
    assert.ok((await changes('directory.timeoutMs')).some((entry) => entry.detail === 'directory.timeoutMs: 10000 → 9000'));
    await saveSettings(ctx, admin, 'directory', await formOf('directory', { timeoutMs: '10000' }), requester);
  });

  test('a secret left empty is kept, whichever SMS provider is in use', async () => {
    const { admin: ctx, twilio } = { admin: fixture.portal.app.admin, twilio: fixture.portal.twilio };
    const saved = await saveSettings(ctx, admin, 'sms', await formOf('sms', { from: '+15550000001' }), requester);
    assert.deepEqual(saved, { ok: true, notice: 'Saved: 1 settings changed. They are in effect now.' });
    const sms = ctx.settings.current().sms;
    assert.ok(sms?.provider === 'twilio');
    assert.equal(sms.authToken, twilio.authToken, 'the stored auth token stays');
    assert.ok(!('headers' in sms), 'and no secret of the other provider appears');
    await saveSettings(ctx, admin, 'sms', await formOf('sms', { from: '+15550000000' }), requester);
  });
});
