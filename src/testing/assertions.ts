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
