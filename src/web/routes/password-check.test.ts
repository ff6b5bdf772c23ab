/**
 * The breached-password range the page's live check asks for, from a real index (a Pwned
 * Passwords list imported into breachedIndexFile): SUFFIX:COUNT lines for a valid prefix, a
 * coded refusal for anything else or for too many checks from one address, the same answer
 * whoever asks (signed in or not), and no state and no prefix left behind by asking.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importPasswordList, sha1Hex } from '../../testing/breached-lists.ts';
import { adminClient, createUser, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

const BREACHED = 'Summer2024!';
const hash = sha1Hex(BREACHED);
const prefix = hash.slice(0, 5);

const folder = mkdtempSync(join(tmpdir(), 'latchkey-range-'));
let portal: TestPortal;
before(async () => {
  const indexFile = join(folder, 'breached-passwords.idx');
  await importPasswordList(indexFile, { [BREACHED]: 31_337 });
  portal = await startTestPortal({ breachedIndexFile: indexFile });
});
after(async () => {
  await portal.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The line of the range for `hash`: a compact index keeps only the first digits of each suffix. */
const lineFor = (body: string, full: string) => body.split('\n').find((line) => line !== '' && full.slice(5).startsWith(line.split(':')[0]!));

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
        lines.every((line) => /^[0-9A-F]{1,35}:\d+$/.test(line)),
        answer.body,
      );
      assert.equal(lineFor(answer.body, hash)?.split(':')[1], '31337', 'the breached password is among them, without its prefix');
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
    assert.equal(lineFor(refused.body, hash), undefined, 'no entries once refused');
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

describe('the range as an oracle', () => {
  let user: TestUser;
  before(async () => {
    const admin = await adminClient();
    user = await createUser(admin);
    await admin.unbind();
  });
  after(async () => {
    const admin = await adminClient();
    await removeEntries(admin, [user.dn]);
    await admin.unbind();
  });

  test('answers the same to anyone: signed in or not, from any address; it tells nothing of who asks or of any account', async () => {
    const client = webClient(portal.app.server, { ip: '127.0.0.7' });
    await client.get('/me');
    assert.match((await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password })).body, /Your account/);
    const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const signedIn = await portal.app.server.inject({ url: `/password-check/range/${prefix}`, remoteAddress: '127.0.0.7', headers: { cookie } });
    const anonymous = await ask(`/password-check/range/${prefix}`, '127.0.0.8');
    for (const answer of [signedIn, anonymous]) {
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.headers['set-cookie'], undefined, 'no cookie set or renewed');
    }
    assert.equal(signedIn.body, anonymous.body);
    assert.equal(signedIn.headers['content-length'], anonymous.headers['content-length']);
  });

  test('the limit per address holds whatever the session: a fresh session or none does not reset it', async () => {
    const ip = '127.0.0.9';
    for (let i = 0; i < 60; i++) assert.equal((await ask(`/password-check/range/${(i + 100).toString(16).padStart(5, '0')}`, ip)).statusCode, 200);
    const client = webClient(portal.app.server, { ip });
    await client.get('/me');
    const withSession = await portal.app.server.inject({
      url: `/password-check/range/${prefix}`,
      remoteAddress: ip,
      headers: { cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    assert.equal(withSession.statusCode, 429);
    assert.equal((await ask(`/password-check/range/${prefix}`, ip)).statusCode, 429);
  });
});
