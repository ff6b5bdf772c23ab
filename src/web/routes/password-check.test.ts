/**
 * The breached-password range the page's live check asks for: SUFFIX:COUNT lines for a valid
 * prefix, a coded refusal for anything else or for too many checks from one address, and no
 * state and no prefix left behind by asking.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { breachedScreen } from '../../testing/breached-screen.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';

const BREACHED = 'Summer2024!';
const hash = createHash('sha1').update(BREACHED).digest('hex').toUpperCase();
const prefix = hash.slice(0, 5);

let portal: TestPortal;
before(async () => {
  portal = await startTestPortal({}, { screen: breachedScreen({ [BREACHED]: 31_337 }) });
});
after(() => portal.close());

const ask = (path: string, remoteAddress = '127.0.0.1') => portal.app.server.inject({ url: path, remoteAddress });

const rows = async (table: 'sessions' | 'throttle_counters' | 'audit_events') =>
  Number(
    (
      await portal.app.store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('GET /password-check/range/:prefix', () => {
  test('answers the entries under a prefix as SUFFIX:COUNT lines, uncached, in either case', async () => {
    for (const asked of [prefix, prefix.toLowerCase()]) {
      const answer = await ask(`/password-check/range/${asked}`, '127.0.0.2');
      assert.equal(answer.statusCode, 200);
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.equal(answer.headers['cache-control'], 'no-store');
      const lines = answer.body.trim().split('\n');
      assert.ok(
        lines.every((line) => /^[0-9A-F]{35}:\d+$/.test(line)),
        answer.body,
      );
      assert.ok(lines.includes(`${hash.slice(5)}:31337`), 'the breached password is among them, without its prefix');
    }
  });

  test('anything but exactly five hex digits is refused with LK_RANGE_PREFIX_INVALID', async () => {
    for (const bad of ['ABCD', 'ABCDEF', 'ABCDG', '%20ABCD', 'AB%2FCD', encodeURIComponent(BREACHED), hash]) {
      const answer = await ask(`/password-check/range/${bad}`, '127.0.0.3');
      assert.equal(answer.statusCode, 400, bad);
      assert.match(String(answer.headers['content-type']), /^text\/plain/, bad);
      assert.match(answer.body, /^LK_RANGE_PREFIX_INVALID: .*five hexadecimal digits/, bad);
    }
  });

  test('more than 60 checks a minute from one address are refused with LK_RANGE_RATE_LIMITED; other addresses go on', async () => {
    const answers = [];
    for (let i = 0; i < 61; i++) answers.push((await ask(`/password-check/range/${i.toString(16).padStart(5, '0')}`, '127.0.0.4')).statusCode);
    assert.deepEqual(answers.slice(0, 60), Array(60).fill(200));
    const refused = await ask(`/password-check/range/${prefix}`, '127.0.0.4');
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /^LK_RANGE_RATE_LIMITED: /);
    assert.doesNotMatch(refused.body, new RegExp(hash.slice(5)), 'no entries once refused');
    assert.equal((await ask(`/password-check/range/${prefix}`, '127.0.0.5')).statusCode, 200);
  });

  test('asking creates no session, cookie, counter or audit entry, and the log keeps the route, not the prefix', async () => {
    const before = { sessions: await rows('sessions'), throttle: await rows('throttle_counters'), audit: await rows('audit_events') };
    const lines = portal.logLines.length;
    const answer = await ask(`/password-check/range/${prefix}`, '127.0.0.6');
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['set-cookie'], undefined);
    assert.deepEqual({ sessions: await rows('sessions'), throttle: await rows('throttle_counters'), audit: await rows('audit_events') }, before);
    const logged = portal.logLines.slice(lines).join('\n');
    assert.match(logged, /"path":"\/password-check\/range\/:prefix"/);
    assert.doesNotMatch(logged, new RegExp(prefix, 'i'));
  });
});
