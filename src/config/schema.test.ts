import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { loadConfig } from './load.ts';

const directory = { urls: ['ldaps://dc1.corp.example'], bindDn: 'svc-latchkey@corp.example', bindPassword: 'x' };

test('verification that would prove nothing is refused: no questions and no code', async () => {
  const error = await rejectsWithCode(
    Promise.resolve().then(() => loadConfig({ env: {}, base: { directory, verification: { questionsToAsk: 0, requireCode: false } } })),
    'LK_CONFIG_INVALID',
  );
  assert.match((error.details.problems as string[]).join('\n'), /verification\.questionsToAsk: with requireCode off/);
  // Either proof alone is fine.
  assert.equal(loadConfig({ env: {}, base: { directory, verification: { questionsToAsk: 0, requireCode: true } } }).verification.requireCode, true);
  assert.equal(loadConfig({ env: {}, base: { directory, verification: { questionsToAsk: 2, requireCode: false } } }).verification.questionsToAsk, 2);
});
