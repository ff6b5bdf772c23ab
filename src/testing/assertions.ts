/** Assertions shared by the tests. */
import assert from 'node:assert/strict';
import { LatchkeyError } from '../errors.ts';

/** Asserts that `promise` rejects with the coded error `code`, and returns that error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LatchkeyError, `a coded error, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/**
 * Reads `read` until `ready` says its value is there, for work that finishes after the response
 * (an audit entry written once a download has ended); gives the last value after `timeoutMs`.
 */
export async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
