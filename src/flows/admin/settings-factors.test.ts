/**
 * The factor policy in the admin console: YAML fields, a refusal naming the alternative nobody
 * could meet, stricter groups pinned to their SIDs when saved, audited, in effect at once; and
 * switched off, the verification settings decide again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { saveSettings, settingsView } from './settings.ts';
import type { AdminSession } from './sign-in.ts';

const facts = devDomain();
const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a001', sam: facts.admins.member, displayName: null, lastSeen: 0 };
const requester = { ip: '10.63.0.2' };

forEachPortalDatabase('the factor policy in the console', {}, (fixture) => {
  const changes = (path: string) =>
    fixture.portal.app.store.audit
      .query({ category: 'admin', action: 'settings-change' })
      .then((entries) => entries.filter((entry) => entry.detail?.startsWith(path)));

  test('the factor policy: edited as YAML, its groups pinned to their SIDs, in effect at once and audited; cleared, the behaviour before factors', async () => {
    const { admin: ctx } = fixture.portal.app;
    const factorsNow = () => ctx.policy.factors;
    assert.equal(factorsNow(), undefined, 'a database without a factors section');
    const fields = (await settingsView(ctx, 'factors')).fields.map((field) => [field.path, field.kind]);
    assert.deepEqual(fields, [
      ['offered', 'yaml'],
      ['reset', 'yaml'],
      ['unlock', 'yaml'],
      ['groups', 'yaml'],
    ]);
    const unmeetable = await saveSettings(ctx, admin, 'factors', { offered: '[questions, code]', reset: '[{ need: 1, of: [totp] }]' }, requester);
    assert.ok(!unmeetable.ok);
    assert.equal(unmeetable.errors[0]?.field, 'reset.0.of');
    assert.match(String(unmeetable.errors[0]?.params?.reason), /only 0 of these are offered/);
    assert.equal(factorsNow(), undefined, 'nothing saved');

    const form = {
      offered: '[questions, code, totp]',
      reset: '[{ need: 2, of: [questions, code, totp] }]',
      groups: `[{ group: "${facts.admins.group}", reset: [{ need: 1, of: [totp] }] }]`,
    };
    const saved = await saveSettings(ctx, admin, 'factors', form, requester);
    assert.ok(saved.ok, JSON.stringify(saved));
    const group = factorsNow()?.groups[0];
    assert.equal(group?.dn, facts.admins.group, 'pinned when saved');
    assert.match(group?.sid ?? '', /^S-1-5-21-/);
    assert.ok((await changes('factors.offered')).length > 0, 'audited');
    assert.ok((await saveSettings(ctx, admin, 'factors', {}, requester)).ok);
    assert.equal(factorsNow(), undefined, 'cleared: the verification settings decide again');
  });
});
