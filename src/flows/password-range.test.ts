import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PasswordScreen } from '../passwords/screen.ts';
import { passwordRange, RangePrefixInvalid } from './password-range.ts';

/** A screen that records the prefixes it is asked for. */
function recordingScreen() {
  const asked: string[] = [];
  const screen: PasswordScreen = {
    check: async () => ({ outcome: 'clear' }),
    range: async (prefix) => {
      asked.push(prefix);
      return [{ suffix: 'ABC', count: 2 }];
    },
  };
  return { asked, screen };
}

test('a prefix of five hex digits in either case is passed on in capitals', async () => {
  const { asked, screen } = recordingScreen();
  assert.deepEqual(await passwordRange({ screen }, '0a1Bf'), [{ suffix: 'ABC', count: 2 }]);
  assert.deepEqual(asked, ['0A1BF']);
});

test('anything else is refused before the screen is asked', async () => {
  const { asked, screen } = recordingScreen();
  for (const bad of ['', 'ABCD', 'ABCDEF', 'ABCDG', ' ABCD', 'ABCD\n', 'ＡＢＣＤＥ']) {
    await assert.rejects(passwordRange({ screen }, bad), (error) => RangePrefixInvalid.is(error), JSON.stringify(bad));
  }
  assert.deepEqual(asked, []);
});
