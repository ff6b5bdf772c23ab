/**
 * The admin console's Breached passwords section against a running portal: saving it changes
 * what the portal's screen does at its next check, without a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeService } from '../../testing/breached-lists.ts';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { saveSettings, settingsView } from './settings.ts';
import type { AdminSession } from './sign-in.ts';

const facts = devDomain();
const admin: AdminSession = { guid: '00000000-0000-4000-8000-00000000a001', sam: facts.admins.member, displayName: null, lastSeen: 0 };
const requester = { ip: '10.63.0.2' };
const password = 'violet kettle 83 harbour';

forEachPortalDatabase('breached-password settings', {}, (fixture) => {
  test('the section turns the online check on and sets the minimum count; the screen of the portal follows at once', async () => {
    const { admin: ctx } = fixture.portal.app;
    const service = await rangeService({ [password]: 12 });
    /** Saves the section as the page shows it, with `changes`. */
    const save = async (changes: Record<string, string>) => {
      const { fields } = await settingsView(ctx, 'breachedPasswords');
      const shown = Object.fromEntries(fields.map((field) => [field.path, field.kind === 'boolean' ? (field.value === 'true' ? 'on' : '') : field.value]));
      return saveSettings(ctx, admin, 'breachedPasswords', { ...shown, ...changes }, requester);
    };
    try {
      const { fields } = await settingsView(ctx, 'breachedPasswords');
      assert.deepEqual(
        fields.map((field) => [field.path, field.kind, field.value]),
        [
          ['minimumCount', 'number', '1'],
          ['online.enabled', 'boolean', 'false'],
          ['online.url', 'text', 'https://api.pwnedpasswords.com/range/'],
          ['online.timeoutMs', 'number', '2000'],
          ['online.whenUnreachable', 'choice', 'allow'],
        ],
      );
      assert.deepEqual(await ctx.screen.check(password), { outcome: 'clear' }, 'online is off by default');
      assert.deepEqual(await save({ 'online.enabled': 'on', 'online.url': service.url }), {
        ok: true,
        notice: 'Saved: 2 settings changed. They are in effect now.',
      });
      assert.deepEqual(await ctx.screen.check(password), { outcome: 'breached', count: 12 });
      assert.ok((await save({ minimumCount: '13' })).ok);
      assert.deepEqual(await ctx.screen.check(password), { outcome: 'clear' });
      assert.ok((await save({ 'online.enabled': '', minimumCount: '1' })).ok);
    } finally {
      await service.close();
    }
  });
});
