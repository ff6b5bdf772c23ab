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

test('the default region of phone numbers: none by default, a known ISO 3166 country in any case, from the file or the environment', () => {
  assert.equal(loadConfig({ env: {}, base: { directory } }).phone.defaultRegion, undefined, 'by default every number needs its country code');
  assert.equal(loadConfig({ env: {}, base: { directory, phone: { defaultRegion: 'gb' } } }).phone.defaultRegion, 'GB');
  assert.equal(loadConfig({ env: { LATCHKEY_PHONE__DEFAULT_REGION: 'US' }, base: { directory } }).phone.defaultRegion, 'US');
  for (const region of ['UK', 'XX', 'USA', '+1']) {
    assert.throws(
      () => loadConfig({ env: {}, base: { directory, phone: { defaultRegion: region } } }),
      (error: Error & { details?: { problems?: string[] } }) =>
        /phone\.defaultRegion: must be a two-letter country code/.test(error.details?.problems?.join('\n') ?? ''),
      region,
    );
  }
});
