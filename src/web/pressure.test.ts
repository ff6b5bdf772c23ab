/**
 * The pressure check and the per-address counts it sheds by: a blocked event loop counts as
 * saturated (and stays so for the hold), an idle one does not; counts last one to two windows
 * and stay bounded however many addresses come; fresh requests beyond those in flight are shed.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnswerRate, eventLoopPressure, IN_FLIGHT_SECONDS, MAX_FRESH_IN_FLIGHT, MIN_FRESH_IN_FLIGHT, RecentRequests, sheddingGuard } from './pressure.ts';

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

/** The guard on a clock the test moves, not busy until `saturate()`; `arrive` sends a fresh request from a new address. */
function busyGuard() {
  let now = 1_000_000;
  let busy = false;
  const guard = sheddingGuard({ pressure: { busy: () => busy, stop() {} }, inFlow: () => false, page: async () => 'busy', now: () => now });
  const answering: EventEmitter[] = [];
  let shed = 0;
  let next = 0;
  const arrive = async () => {
    const i = next++;
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
    await guard({ url: '/reset', ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` } as never, reply as never);
    if (status === 503) shed++;
    else answering.push(raw);
  };
  /** Answers the oldest `count` requests being answered. */
  const answer = (count: number) => {
    for (const raw of answering.splice(0, count)) raw.emit('close');
  };
  const saturate = () => {
    now += 1_000;
    busy = true;
  };
  return { arrive, answer, saturate, shed: () => shed, answering: () => answering.length };
}

test('while busy, fresh requests from new addresses are shed beyond what the process answers in two seconds, and admitted again as they finish', async () => {
  const fast = busyGuard();
  // A process that has just answered 100 a second: room for 200 at once.
  for (let i = 0; i < 100; i++) await fast.arrive();
  fast.answer(100);
  fast.saturate();
  for (let i = 0; i < 201; i++) await fast.arrive();
  assert.deepEqual([fast.answering(), fast.shed()], [100 * IN_FLIGHT_SECONDS, 1]);
  fast.answer(1);
  await fast.arrive();
  assert.equal(fast.answering(), 100 * IN_FLIGHT_SECONDS, 'room again once one is answered');

  // A process that answered only a few a second: its floor, not a fixed few hundred, so an
  // admitted request does not wait behind tens of seconds of work.
  const slow = busyGuard();
  for (let i = 0; i < 3; i++) await slow.arrive();
  slow.answer(3);
  slow.saturate();
  for (let i = 0; i < 100; i++) await slow.arrive();
  assert.equal(slow.answering(), MIN_FRESH_IN_FLIGHT);

  // However fast, never more than the ceiling.
  const fastest = busyGuard();
  for (let i = 0; i < 1000; i++) await fastest.arrive();
  fastest.answer(1000);
  fastest.saturate();
  for (let i = 0; i < 1000; i++) await fastest.arrive();
  assert.equal(fastest.answering(), MAX_FRESH_IN_FLIGHT);
});

test('the answer rate is the count of the last whole second; a quiet second counts nothing', () => {
  let now = 0;
  const rate = new AnswerRate(() => now);
  for (let i = 0; i < 5; i++) rate.answered();
  assert.equal(rate.lastSecond(), 0, 'the current second is not over');
  now = 1_200;
  assert.equal(rate.lastSecond(), 5);
  now = 3_100;
  assert.equal(rate.lastSecond(), 0, 'nothing answered in the second before');
});
