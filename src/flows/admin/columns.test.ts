/**
 * The audit table's columns per admin, on both databases: nothing hidden until chosen, the
 * chooser and the widths saved apart, widths bounded, one admin's choice not another's, and a
 * stored value that no longer fits read as the defaults.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../../testing/databases.ts';
import { columnPreferences, saveColumnPreferences } from './columns.ts';
import type { AdminSession } from './sign-in.ts';

const adminOf = (n: number): AdminSession => ({ guid: `00000000-0000-4000-8000-0000000b000${n}`, sam: `admin${n}`, displayName: null, lastSeen: 0 });

forEachDatabase('audit table columns', (database) => {
  const context = async () => ({ store: await database.store(), now: () => 1_700_000_000_000 });

  test('only the display names are hidden and no width is set until the admin chooses', async () => {
    assert.deepEqual(await columnPreferences(await context(), adminOf(1)), { hidden: ['actorName', 'targetName'], widths: {} });
  });

  test('the chooser hides the columns not shown; widths alone leave that choice as it was', async () => {
    const ctx = await context();
    const admin = adminOf(2);
    await saveColumnPreferences(ctx, admin, { shown: ['at', 'actor', 'action', 'outcome'], widths: {} });
    assert.deepEqual((await columnPreferences(ctx, admin)).hidden, ['actorName', 'target', 'targetName', 'times', 'sourceIp', 'detail']);
    await saveColumnPreferences(ctx, admin, { widths: { actor: 180.4, detail: 640 } });
    assert.deepEqual(await columnPreferences(ctx, admin), {
      hidden: ['actorName', 'target', 'targetName', 'times', 'sourceIp', 'detail'],
      widths: { actor: 180, detail: 640 },
    });
    assert.deepEqual(await columnPreferences(ctx, adminOf(3)), { hidden: ['actorName', 'targetName'], widths: {} }, 'another admin’s table is as it was');
  });

  test('widths outside 40 to 2000 pixels, or that are no number, are ignored', async () => {
    const ctx = await context();
    const admin = adminOf(4);
    const saved = await saveColumnPreferences(ctx, admin, { widths: { at: 39, actor: 2001, target: Number.NaN, action: 40, outcome: 2000 } });
    assert.deepEqual(saved.widths, { action: 40, outcome: 2000 });
    assert.deepEqual((await columnPreferences(ctx, admin)).widths, { action: 40, outcome: 2000 });
  });

  test('a stored choice that no longer fits is read part by part as the defaults', async () => {
    const ctx = await context();
    const admin = adminOf(5);
    await ctx.store.preferences.set(admin.guid, 'audit-columns', { hidden: ['a-column-since-removed'], widths: { actor: 200 } }, 1);
    assert.deepEqual(await columnPreferences(ctx, admin), { hidden: ['actorName', 'targetName'], widths: { actor: 200 } });
    await ctx.store.preferences.set(admin.guid, 'audit-columns', 'not an object', 1);
    assert.deepEqual(await columnPreferences(ctx, admin), { hidden: ['actorName', 'targetName'], widths: {} });
  });
});
