/**
 * Uniform response timing for the public first steps: the answer leaves after a random delay
 * from a range, counted from the request's start, so the directory look-up, hashing or sending
 * done for a real account (and skipped for an unknown name) does not show in the timing.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DelayRange {
  min: number;
  max: number;
}

/**
 * Runs `work` and resolves no earlier than a random moment in `range` after the start. Reports
 * through `onOverrun` when the work itself took longer than that moment (the range is too short);
 * never with the delay off (0–0), where every answer would be an overrun (said once at start).
 */
export async function withUniformDelay<T>(range: DelayRange, work: () => Promise<T>, onOverrun?: (tookMs: number) => void): Promise<T> {
  const started = performance.now();
  const target = started + (range.max > range.min ? randomInt(range.min, range.max + 1) : range.min);
  let result: T;
  try {
    result = await work();
  } finally {
    const now = performance.now();
    if (now > target && range.max > 0) onOverrun?.(now - started);
    // A timer may fire a fraction of a millisecond early: wait until the moment has truly come.
    for (let left = target - now; left > 0; left = target - performance.now()) await sleep(left);
  }
  return result;
}
