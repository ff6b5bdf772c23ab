/**
 * The pressure check and the per-address counts it sheds by: a blocked event loop counts as
 * saturated (and stays so for the hold), an idle one does not; counts last one to two windows
 * and stay bounded however many addresses come; fresh requests beyond those in flight are shed.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventLoopPressure, MAX_FRESH_IN_FLIGHT, RecentRequests, sheddingGuard } from './pressure.ts';

test('a saturated event loop is pressure until the hold has passed; an idle one is not', async () => {
  const pressure = eventLoopPressure({ maxDelayMs: 100, maxUtilization: 0.95, sampleMs: 50, holdMs: 400 });
  try {
    await sleep(120);
    assert.equal(pressure.busy(), false, 'idle');
    // The loop blocked, as by a flood of requests that each take CPU.
    const until = performance.now() + 1_000;
    while (performance.now() < until);
    await sleep(120);
    assert.equal(pressure.busy(), true, 'saturated');
    await sleep(600);
    assert.equal(pressure.busy(), false, 'the hold has passed');
  } finally {
    pressure.stop();
  }
});

test('requests are counted per address over one to two windows, within a bounded memory', () => {
  let now = 0;
  const recent = new RecentRequests(60_000, 3, () => now);
  assert.deepEqual([recent.count('a'), recent.count('a'), recent.count('b')], [1, 2, 1]);
  now = 60_000;
  assert.equal(recent.count('a'), 3, 'the previous window still counts');
  now = 120_000;
  assert.equal(recent.count('a'), 2, 'the one before it no longer does');
  now = 300_000;
  assert.equal(recent.count('a'), 1, 'after a long quiet, nothing counts');
  // More addresses than a window keeps: it turns early instead of growing (at most two windows kept).
  for (const address of ['c', 'd', 'e', 'f', 'g', 'h']) recent.count(address);
  assert.equal(recent.count('a'), 1, 'two early turns later, a is forgotten');
});

test('while busy, fresh requests from new addresses are shed once MAX_FRESH_IN_FLIGHT are being answered, and admitted again as they finish', async () => {
  const guard = sheddingGuard({ pressure: { busy: () => true, stop() {} }, inFlow: () => false, page: async () => 'busy' });
  const answered: EventEmitter[] = [];
  const shed: number[] = [];
  const arrive = async (i: number) => {
    const raw = new EventEmitter();
    let status = 0;
    const reply = {
      raw,
      code(value: number) {
        status = value;
        return reply;
      },
      header: () => reply,
      type: () => reply,
      send: () => reply,
    };
    await guard({ url: '/reset', ip: `10.1.${i >> 8}.${i & 255}` } as never, reply as never);
    if (status === 503) shed.push(i);
    else answered.push(raw);
  };
  for (let i = 0; i <= MAX_FRESH_IN_FLIGHT; i++) await arrive(i);
  assert.deepEqual([answered.length, shed], [MAX_FRESH_IN_FLIGHT, [MAX_FRESH_IN_FLIGHT]]);
  answered[0]!.emit('close');
  await arrive(MAX_FRESH_IN_FLIGHT + 1);
  assert.equal(answered.length, MAX_FRESH_IN_FLIGHT + 1, 'room again once one is answered');
});
