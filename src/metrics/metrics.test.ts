import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../audit/recorder.ts';
import { counted, createMetrics } from './metrics.ts';

test('refused new passwords are counted by rule; other events only as events', async () => {
  const metrics = createMetrics(async () => ({}));
  const recorded: AuditRecord[] = [];
  const recorder = counted({ record: async (entry) => void recorded.push(entry) }, 'self-service', metrics);
  const entry = (action: AuditRecord['action'], detail?: string): AuditRecord => ({
    actor: 'jsmith',
    action,
    outcome: 'refused',
    sourceIp: '10.0.0.1',
    ...(detail ? { detail } : {}),
  });
  await recorder.record(entry('password-refused', 'breached; reset'));
  await recorder.record(entry('password-refused', 'breached; change'));
  await recorder.record(entry('password-refused', 'no-name; me'));
  await recorder.record(entry('change', 'LK_PASSWORD_TOO_SHORT'));
  assert.equal(recorded.length, 4, 'everything is still recorded');
  const text = await metrics.registry.metrics();
  assert.match(text, /latchkey_password_refusals_total\{rule="breached"\} 2/);
  assert.match(text, /latchkey_password_refusals_total\{rule="no-name"\} 1/);
  assert.doesNotMatch(text, /latchkey_password_refusals_total\{rule="LK_PASSWORD_TOO_SHORT"\}/);
  assert.match(text, /latchkey_events_total\{category="self-service",action="password-refused",outcome="refused"\} 3/);
});
