/**
 * The recorder on both databases: display names kept for known accounts only, repeated views
 * counted on one entry within the window, repeated refusals counted on one entry per kind,
 * subject and window (also when written at once), and the self-service switch dropping routine
 * successes while refusals and the helpdesk and admin trails are always recorded.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { type AuditRecord, createAuditRecorder, REFUSAL_WINDOW_MS, REPEAT_WINDOW_MS } from './recorder.ts';

const T0 = 1_700_000_000_000;
const VIEW: AuditRecord = { actor: 'alice', actorGuid: 'g-alice', actorName: 'Alice Ng', action: 'profile-view', outcome: 'success', sourceIp: '192.0.2.9' };

forEachDatabase('audit recorder', (database) => {
  let clock = T0;
  beforeEach(async () => {
    clock = T0;
    await (await database.store()).db.deleteFrom('audit_events').execute();
  });
  const recorder = async (category: 'self-service' | 'helpdesk' | 'admin', selfService = true) =>
    createAuditRecorder(
      (await database.store()).audit,
      category,
      () => clock,
      () => selfService,
    );

  test('display names are kept for the actor and target, never for a name that matched nobody', async () => {
    const helpdesk = await recorder('helpdesk');
    await helpdesk.record({
      actor: 'hd.bob',
      actorName: 'Bob Desk',
      target: { sam: 'alice', guid: 'g-alice', name: 'Alice Ng' },
      action: 'reset',
      outcome: 'success',
      sourceIp: '::1',
    });
    await (await recorder('self-service')).record({ actor: null, actorName: 'typed guess', action: 'reset-requested', outcome: 'refused', sourceIp: '::1' });
    const [unknown, reset] = await (await database.store()).audit.query();
    assert.deepEqual([reset?.actorName, reset?.targetName], ['Bob Desk', 'Alice Ng']);
    assert.deepEqual([unknown?.actor, unknown?.actorName], ['unknown', null]);
  });

  test('repeated profile views within the window are one entry with a count; after it, a new one', async () => {
    const selfService = await recorder('self-service');
    for (let view = 0; view < 3; view++) {
      await selfService.record(VIEW);
      clock += 60_000;
    }
    await selfService.record({ ...VIEW, action: 'groups-view' });
    await selfService.record({ ...VIEW, sourceIp: '192.0.2.10' });
    clock = T0 + REPEAT_WINDOW_MS + 1;
    await selfService.record(VIEW);
    const entries = await (await database.store()).audit.query({ action: 'profile-view' });
    assert.deepEqual(
      entries.map((entry) => [entry.at - T0, entry.sourceIp, entry.times]),
      [
        [REPEAT_WINDOW_MS + 1, '192.0.2.9', 1],
        [180_000, '192.0.2.10', 1],
        [0, '192.0.2.9', 3],
      ],
    );
  });

  test('repeated refusals of one kind for one address or one account are one entry with a count per window', async () => {
    const selfService = await recorder('self-service');
    // Aligned to a window, so that the clock's steps below stay inside it.
    clock = Math.ceil(T0 / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS;
    const start = clock;
    const limited: AuditRecord = { actor: null, action: 'rate-limited', outcome: 'refused', sourceIp: '192.0.2.1', detail: 'per address' };
    const decoy: AuditRecord = { actor: null, action: 'reset-requested', outcome: 'refused', sourceIp: '192.0.2.1' };
    // Written at once, as several workers would: still one entry.
    await Promise.all(Array.from({ length: 25 }, () => selfService.record(limited)));
    for (let i = 0; i < 5; i++) {
      clock += 1_000;
      await selfService.record(decoy);
      await selfService.record({ ...decoy, sourceIp: '192.0.2.2' });
      // A found account is the subject whatever the address: one entry for all of them.
      await selfService.record({ ...decoy, actor: 'alice', actorGuid: 'g-alice', actorName: 'Alice Ng', sourceIp: `198.51.100.${i}` });
      await selfService.record({ ...decoy, action: 'bot', detail: 'honeypot field filled' });
    }
    clock = start + REFUSAL_WINDOW_MS;
    await selfService.record(limited);
    const entries = await (await database.store()).audit.query();
    assert.deepEqual(
      entries.map((entry) => [entry.at - start, entry.action, entry.actor, entry.sourceIp, entry.times]).sort(),
      [
        [1_000, 'bot', 'unknown', '192.0.2.1', 5],
        [1_000, 'reset-requested', 'alice', '198.51.100.0', 5],
        [1_000, 'reset-requested', 'unknown', '192.0.2.1', 5],
        [1_000, 'reset-requested', 'unknown', '192.0.2.2', 5],
        [0, 'rate-limited', 'unknown', '192.0.2.1', 25],
        [REFUSAL_WINDOW_MS, 'rate-limited', 'unknown', '192.0.2.1', 1],
      ].sort(),
    );
  });

  test('successes of the same actions are recorded one by one', async () => {
    const selfService = await recorder('self-service');
    const started: AuditRecord = { ...VIEW, action: 'reset-requested' };
    await selfService.record(started);
    await selfService.record(started);
    assert.deepEqual(
      (await (await database.store()).audit.query()).map((entry) => entry.times),
      [1, 1],
    );
  });

  test('other actions are never collapsed', async () => {
    const selfService = await recorder('self-service');
    await selfService.record({ ...VIEW, action: 'profile-edit' });
    await selfService.record({ ...VIEW, action: 'profile-edit' });
    assert.deepEqual(
      (await (await database.store()).audit.query()).map((entry) => entry.times),
      [1, 1],
    );
  });

  test('self-service logging off drops routine successes but keeps refusals, failures and the other trails', async () => {
    const off = await recorder('self-service', false);
    await off.record(VIEW);
    await off.record({ ...VIEW, action: 'reset' });
    await off.record({ ...VIEW, action: 'question-wrong', outcome: 'refused' });
    await off.record({ ...VIEW, action: 'rate-limited', outcome: 'refused' });
    await off.record({ ...VIEW, action: 'change', outcome: 'failure' });
    await (await recorder('helpdesk', false)).record({ ...VIEW, action: 'user-view' });
    await (await recorder('admin', false)).record({ ...VIEW, action: 'settings-change' });
    const entries = await (await database.store()).audit.query();
    assert.deepEqual(entries.map((entry) => `${entry.category} ${entry.action}`).sort(), [
      'admin settings-change',
      'helpdesk user-view',
      'self-service change',
      'self-service question-wrong',
      'self-service rate-limited',
    ]);
  });
});
