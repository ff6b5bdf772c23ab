/**
 * The audit trail on both databases: newest first, filters (case-insensitive actor, inclusive
 * dates), keyset paging, counts, purging, and values that look like SQL staying values.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import type { AuditEvent } from './audit.ts';

const T0 = 1_700_000_000_000;

/** A plausible event at T0 + `offset` ms. */
function event(offset: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { at: T0 + offset, category: 'self-service', actor: 'alice', action: 'reset', outcome: 'success', ...overrides };
}

forEachDatabase('audit trail', (database) => {
  beforeEach(async () => {
    // Each test reads the whole trail, so each starts with an empty one.
    const { db } = await database.store();
    await db.deleteFrom('audit_events').execute();
  });

  test('an event reads back whole, optional fields as null', async () => {
    const { audit } = await database.store();
    const full = event(0, {
      category: 'helpdesk',
      actor: 'hd.bob',
      actorGuid: 'g-bob',
      target: 'alice',
      targetGuid: 'g-alice',
      action: 'helpdesk-reset',
      outcome: 'success',
      sourceIp: '2001:db8::1',
      detail: '{"forceChange":true}',
      actorName: 'Bob Helpdesk',
      targetName: 'Alice Ng',
    });
    const id = await audit.record(full);
    await audit.record(event(1));
    const [bare, stored] = await audit.query();
    assert.deepEqual(stored, { id, times: 1, ...full });
    assert.deepEqual(
      [bare?.actorGuid, bare?.target, bare?.targetGuid, bare?.sourceIp, bare?.detail, bare?.actorName, bare?.targetName, bare?.times],
      [null, null, null, null, null, null, null, 1],
    );
  });

  test('newest first by time, then by id for events of the same millisecond', async () => {
    const { audit } = await database.store();
    const late = await audit.record(event(50));
    const early = await audit.record(event(10));
    const sameA = await audit.record(event(30));
    const sameB = await audit.record(event(30));
    assert.deepEqual(
      (await audit.query()).map((e) => e.id),
      [late, sameB, sameA, early],
    );
  });

  test('the actor matches whole and regardless of case', async () => {
    const { audit } = await database.store();
    await audit.record(event(0, { actor: 'Alice' }));
    await audit.record(event(1, { actor: 'ALICE' }));
    await audit.record(event(2, { actor: 'alice2' }));
    await audit.record(event(3, { actor: 'malice' }));
    const found = await audit.query({ actor: 'aLiCe' });
    assert.deepEqual(
      found.map((e) => e.actor),
      ['ALICE', 'Alice'],
    );
    assert.equal(await audit.count({ actor: 'alice' }), 2);
    assert.equal(await audit.count({ actor: 'ali%' }), 0, 'LIKE wildcards are plain characters');
  });

  test('filters combine: category, action, outcome, source IP', async () => {
    const { audit } = await database.store();
    await audit.record(event(0, { category: 'admin', action: 'settings', outcome: 'success', sourceIp: '10.0.0.1' }));
    await audit.record(event(1, { category: 'admin', action: 'settings', outcome: 'refused', sourceIp: '10.0.0.1' }));
    await audit.record(event(2, { category: 'admin', action: 'sign-in', outcome: 'refused', sourceIp: '10.0.0.2' }));
    await audit.record(event(3, { category: 'self-service', action: 'settings', outcome: 'refused', sourceIp: '10.0.0.1' }));
    assert.equal(await audit.count({ category: 'admin' }), 3);
    assert.equal(await audit.count({ category: 'admin', outcome: 'refused' }), 2);
    assert.equal(await audit.count({ category: 'admin', outcome: 'refused', action: 'settings' }), 1);
    assert.equal(await audit.count({ outcome: 'refused', sourceIp: '10.0.0.1' }), 2);
    assert.equal(await audit.count(), 4);
  });

  test('from and to are inclusive', async () => {
    const { audit } = await database.store();
    for (const offset of [99, 100, 150, 200, 201]) await audit.record(event(offset));
    const found = await audit.query({ from: T0 + 100, to: T0 + 200 });
    assert.deepEqual(
      found.map((e) => e.at - T0),
      [200, 150, 100],
    );
    assert.equal(await audit.count({ from: T0 + 150 }), 3);
    assert.equal(await audit.count({ to: T0 + 150 }), 3);
  });

  test('paging with beforeId walks the whole trail once, in order, even when times tie', async () => {
    const { audit } = await database.store();
    const ids: number[] = [];
    // Times out of insertion order and with ties, so paging by id alone would go wrong.
    for (const offset of [5, 3, 3, 9, 1, 3, 7, 7, 0, 2]) ids.push(await audit.record(event(offset)));
    const all = (await audit.query()).map((e) => e.id);
    const walked: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = await audit.query({ limit: 3, beforeId });
      if (page.length === 0) break;
      assert.ok(page.length <= 3);
      walked.push(...page.map((e) => e.id));
      beforeId = page.at(-1)?.id;
    }
    assert.deepEqual(walked, all);
    assert.deepEqual(
      [...walked].sort((a, b) => a - b),
      [...ids].sort((a, b) => a - b),
    );
  });

  test('paging follows the filter', async () => {
    const { audit } = await database.store();
    for (let i = 0; i < 6; i++) await audit.record(event(i, { actor: i % 2 ? 'odd' : 'even' }));
    const first = await audit.query({ actor: 'odd', limit: 2 });
    const second = await audit.query({ actor: 'odd', limit: 2, beforeId: first.at(-1)?.id });
    assert.deepEqual(
      [...first, ...second].map((e) => e.at - T0),
      [5, 3, 1],
    );
  });

  test('a page holds at most 1000 events, by default and when asked for more', async () => {
    const { audit, db } = await database.store();
    const rows = Array.from({ length: 1005 }, (_, i) => ({
      at: T0 + i,
      category: 'self-service' as const,
      actor: 'bulk',
      action: 'reset',
      outcome: 'success',
    }));
    await db.insertInto('audit_events').values(rows).execute();
    assert.equal((await audit.query()).length, 1000);
    assert.equal((await audit.query({ limit: 5000 })).length, 1000);
    assert.equal((await audit.query({ limit: 7 })).length, 7);
    assert.equal(await audit.count(), 1005);
  });

  test('purgeOlderThan removes strictly older events and says how many', async () => {
    const { audit } = await database.store();
    for (const offset of [0, 1, 2, 3, 4]) await audit.record(event(offset));
    assert.equal(await audit.purgeOlderThan(T0 + 3), 3);
    assert.deepEqual(
      (await audit.query()).map((e) => e.at - T0),
      [4, 3],
    );
    assert.equal(await audit.purgeOlderThan(T0 + 3), 0);
  });

  test('values that look like SQL are matched as plain text', async () => {
    const { audit } = await database.store();
    const sly = "x' OR '1'='1";
    await audit.record(event(0, { actor: 'alice' }));
    await audit.record(event(1, { actor: 'bob', detail: "'); DROP TABLE audit_events; --" }));
    assert.deepEqual(await audit.query({ actor: sly }), []);
    assert.equal(await audit.count({ actor: sly }), 0);
    assert.equal(await audit.count({ action: sly, outcome: sly, sourceIp: sly }), 0);
    assert.equal(await audit.count({ action: "reset' --" }), 0);
    // Stored as text too: the sly value reads back unchanged and the table is still there.
    await audit.record(event(2, { actor: sly }));
    assert.equal((await audit.query({ actor: sly }))[0]?.actor, sly);
    assert.equal(await audit.count(), 3);
  });

  test('recordRepeat counts a repeat on the entry recorded since, and starts a new one otherwise', async () => {
    const { audit } = await database.store();
    const view = (offset: number, overrides: Partial<AuditEvent> = {}) => event(offset, { action: 'profile-view', sourceIp: '192.0.2.1', ...overrides });
    const first = await audit.recordRepeat(view(0), T0 - 600_000);
    assert.equal(await audit.recordRepeat(view(1000), T0 + 1000 - 600_000), first, 'the same actor, action and source within the window');
    assert.equal(await audit.recordRepeat(view(2000), T0 + 2000 - 600_000), first);
    const otherSource = await audit.recordRepeat(view(3000, { sourceIp: '192.0.2.2' }), T0 + 3000 - 600_000);
    const otherActor = await audit.recordRepeat(view(3000, { actor: 'bob' }), T0 + 3000 - 600_000);
    const otherAction = await audit.recordRepeat(view(3000, { action: 'groups-view' }), T0 + 3000 - 600_000);
    const later = await audit.recordRepeat(view(700_000), T0 + 100_000);
    assert.equal(new Set([first, otherSource, otherActor, otherAction, later]).size, 5, 'each of these is an entry of its own');
    const times = new Map((await audit.query()).map((entry) => [entry.id, entry.times]));
    assert.deepEqual(
      [first, otherSource, otherActor, otherAction, later].map((id) => times.get(id)),
      [3, 1, 1, 1, 1],
    );
    assert.equal((await audit.query({ action: 'profile-view' })).find((entry) => entry.id === first)?.at, T0, 'the entry keeps its first time');
  });

  test('recordRepeat matches an absent source address as the same source', async () => {
    const { audit } = await database.store();
    const first = await audit.recordRepeat(event(0, { action: 'groups-view' }), T0 - 1);
    assert.equal(await audit.recordRepeat(event(5, { action: 'groups-view' }), T0 - 1), first);
    assert.equal((await audit.query())[0]?.times, 2);
  });
});
