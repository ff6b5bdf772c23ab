/**
 * The password rules edited in the console, on both databases: a good save is in force at once
 * (the rules list shows it), audited old → new, its groups pinned to their SIDs; bad values are
 * named on their fields and nothing is saved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { rulesList } from '../new-password.ts';
import { saveSettings, settingsView } from './settings.ts';
import type { SettingsForm } from './settings-form.ts';
import type { AdminSession } from './sign-in.ts';

const facts = devDomain();
const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a002', sam: facts.admins.member, displayName: null, lastSeen: 0 };
const requester = { ip: '10.63.0.2' };

forEachPortalDatabase('password rules in the console', {}, (fixture) => {
  async function formOf(changes: Record<string, string> = {}): Promise<SettingsForm> {
    const { fields } = await settingsView(fixture.portal.app.admin, 'passwordPolicy');
    const shown = fields.map((field) => [field.path, field.kind === 'boolean' ? (field.value === 'true' ? 'on' : '') : field.value]);
    return { ...Object.fromEntries(shown), ...changes };
  }
  const audited = async () =>
    (await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' }))
      .map((entry) => entry.detail ?? '')
      .filter((detail) => detail.startsWith('passwordPolicy.'));

  test('the section shows its defaults', async () => {
    const form = await formOf();
    assert.equal(form.minLength, '8');
    assert.equal(form.maxLength, '256');
    assert.equal(form.maxRepeat, '3');
    assert.equal(form.rejectNames, 'on');
  });

  test('bad values are named on their fields and nothing is saved or audited', async () => {
    const { admin: ctx } = fixture.portal.app;
    const before = ctx.settings.current().passwordPolicy;
    const cases: [Record<string, string>, string][] = [
      [{ minLength: '0' }, 'minLength'],
      [{ maxLength: '32' }, 'maxLength'],
      [{ maxLength: '300' }, 'maxLength'],
      [{ minLength: '100', maxLength: '64' }, 'minLength'],
      [{ maxRepeat: '1' }, 'maxRepeat'],
      [{ composition: '[upper, wingdings]' }, 'composition.1'],
      [{ bannedWords: 'ok-word\nab' }, 'bannedWords.1'],
      [{ groups: `- { group: "${facts.strictPasswordGroup}", minLength: 2000 }` }, 'groups.0.minLength'],
      [{ groups: '- { group: "No such group anywhere" }' }, 'groups'],
    ];
    for (const [changes, field] of cases) {
      const result = await saveSettings(ctx, admin, 'passwordPolicy', await formOf(changes), requester);
      assert.ok(!result.ok, JSON.stringify(changes));
      assert.deepEqual(
        result.errors.map((error) => error.field),
        [field],
        JSON.stringify(changes),
      );
      assert.match(result.errors[0]?.code ?? '', /^LK_(SETTING_[A-Z_]+|GROUP_NOT_FOUND)$/);
      assert.doesNotMatch(ctx.t(result.errors[0]!.code, result.errors[0]!.params), /\{|Too small|Too big/, 'in words');
    }
    assert.deepEqual(ctx.settings.current().passwordPolicy, before);
    assert.deepEqual(await audited(), []);
  });

  test('a good save is in force at once, audited old → new, its groups pinned by SID', async () => {
    const { admin: ctx, ctx: flows } = fixture.portal.app;
    const saved = await saveSettings(
      ctx,
      admin,
      'passwordPolicy',
      await formOf({ minLength: '15', bannedWords: 'winter\nsummer', groups: `- { group: "${facts.strictPasswordGroup}", minLength: 20 }` }),
      requester,
    );
    assert.ok(saved.ok, JSON.stringify(saved));
    const policy = ctx.settings.current().passwordPolicy;
    assert.equal(policy.minLength, 15);
    assert.match(policy.groups[0]?.sid ?? '', /^S-1-5-21-/, 'pinned to its SID');
    assert.equal(policy.groups[0]?.dn?.toLowerCase(), facts.strictPasswordGroup.toLowerCase());
    const list = await rulesList(flows, null);
    assert.deepEqual(list.hints[0]?.data, { min: '15' }, 'the pages follow at once');
    const details = await audited();
    assert.ok(details.includes('passwordPolicy.minLength: 8 → 15'), details.join('\n'));
    assert.ok(
      details.some((detail) => detail.startsWith('passwordPolicy.bannedWords: [] → ["winter","summer"]')),
      details.join('\n'),
    );
    const reset = await saveSettings(ctx, admin, 'passwordPolicy', await formOf({ minLength: '8', bannedWords: '', groups: '' }), requester);
    assert.ok(reset.ok);
  });
});
