import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';

const DAY = 86_400_000;
const START = 20_000 * DAY; // a day boundary

forEachDatabase('audit counts for the dashboard', (database) => {
  test('events are counted per day, action and outcome by the database', async () => {
    const store = await database.store();
    const event = (at: number, action: string, outcome = 'success', detail: string | null = null) =>
      store.audit.record({ at, category: 'self-service', actor: 'x', action, outcome, sourceIp: '10.0.0.1', detail });
    await event(START + 1000, 'reset');
    await event(START + DAY - 1, 'reset');
    await event(START + DAY, 'reset');
    await event(START + DAY + 5, 'reset', 'failure', 'LK_PASSWORD_TOO_SHORT');
    await event(START + DAY + 6, 'reset', 'refused', 'LK_PASSWORD_TOO_SHORT');
    await event(START + DAY + 7, 'change', 'refused', 'LK_INVALID_CREDENTIALS');
    await event(START + 5 * DAY, 'reset'); // outside the range
    const counts = await store.auditStats.countsByDay({ from: START, to: START + 2 * DAY });
    const find = (day: number, action: string, outcome: string) =>
      counts.find((c) => c.day === START / DAY + day && c.action === action && c.outcome === outcome)?.count;
    assert.equal(find(0, 'reset', 'success'), 2);
    assert.equal(find(1, 'reset', 'success'), 1);
    assert.equal(find(1, 'reset', 'failure'), 1);
    assert.equal(
      counts.reduce((sum, c) => sum + c.count, 0),
      6,
    );
    const reasons = await store.auditStats.failureReasons(['reset', 'change'], { from: START, to: START + 2 * DAY });
    assert.deepEqual(reasons[0], { action: 'reset', detail: 'LK_PASSWORD_TOO_SHORT', count: 2 });
    assert.deepEqual(reasons[1], { action: 'change', detail: 'LK_INVALID_CREDENTIALS', count: 1 });
  });

  test('a write of unknown outcome is among the reasons the dashboard shows', async () => {
    const store = await database.store();
    const day = START + 10 * DAY; // apart from the other test's events
    await store.audit.record({
      at: day,
      category: 'self-service',
      actor: 'x',
      action: 'reset',
      outcome: 'unknown',
      sourceIp: '10.0.0.1',
      detail: 'LK_WRITE_OUTCOME_UNKNOWN',
    });
    const reasons = await store.auditStats.failureReasons(['reset'], { from: day, to: day + DAY });
    assert.deepEqual(reasons, [{ action: 'reset', detail: 'LK_WRITE_OUTCOME_UNKNOWN', count: 1 }]);
  });
});
