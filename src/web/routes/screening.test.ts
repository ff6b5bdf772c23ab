/**
 * Breached-password screening through the running portal with a real index: a small list in the
 * Pwned Passwords format (SHA-1 `HASH:count` lines, sorted) imported by the real importer into
 * `breachedIndexFile`, and the portal started on it with no stand-in screen. On each page that
 * sets a password (reset after verification, the public change once the old password is proven,
 * /me, the helpdesk's typed password), a listed password that meets every other rule is refused
 * with its count, and one on the bundled common list as common, before anything is written (the
 * account's pwdLastSet unchanged, the old password still binds); a strong one is set. A re-import
 * reaches the running portal; an over-long password is refused before screening; an online
 * check that hangs is given up in time; an index damaged under the portal breaks no page.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importPasswordList, sha1Hex } from '../../testing/breached-lists.ts';
import { bindAs, devDomain, freshPassword, readAttribute, type TestUser } from '../../testing/dev-domain.ts';
import { enroll, verify } from '../../testing/journeys.ts';
import { portalFixture, type TestPortal } from '../../testing/portal.ts';
import { csrfOf, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
/** Meets every rule of Latchkey and of the domain, and is on the list. */
const BREACHED = 'Horse-Kp9-Qz!-river';
const BREACH_COUNT = 1_203_117;
const BREACHED_TEXT = /This password has appeared in 1,203,117 known data breaches/;
/** On the bundled list of common passwords (compared lower-cased), and meets the rules otherwise. */
const COMMON = 'Sunshine1';
const COMMON_TEXT = /one of the most commonly used passwords/;
/** Past the 256 characters allowed, and on the list too: refused for its length, never screened. */
const OVER_LONG = `Lk-${'x7Q!'.repeat(75)}`;

const folder = mkdtempSync(join(tmpdir(), 'latchkey-screening-'));
const indexFile = join(folder, 'breached-passwords.idx');
after(() => rmSync(folder, { recursive: true, force: true }));

/** A new list imported over the index, as `latchkey breached import` does while the portal runs. */
const importList = (listed: Record<string, number>) => importPasswordList(indexFile, listed);

before(() => importList({ [BREACHED]: BREACH_COUNT, [OVER_LONG]: 3 }));
const fixture = portalFixture({
  breachedIndexFile: indexFile,
  // Every test signs in from the same address: limits high enough not to be what is tested here.
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  helpdesk: { groups: [{ group: facts.helpdesk.group, scopes: [facts.ous.staff] }], requireCallerVerification: false },
});

/** The account's password facts now, to show later that nothing was written. */
async function passwordFacts(user: TestUser) {
  return { pwdLastSet: await readAttribute(fixture.admin, user.dn, 'pwdLastSet') };
}

async function assertUnchanged(user: TestUser, before: { pwdLastSet: string | undefined }) {
  assert.deepEqual(await passwordFacts(user), before, 'pwdLastSet unchanged');
  assert.equal(await bindAs(user.dn, user.password), 'ok', 'the old password still binds');
}

/** The refusals audited for `sam`, newest first, by their detail. */
async function refusals(portal: TestPortal, sam: string, by: 'actor' | 'target' = 'actor') {
  return (await portal.app.store.audit.query({ action: 'password-refused' })).filter((entry) => entry[by] === sam).map((entry) => entry.detail);
}

async function signedIn(portal: TestPortal, user: TestUser): Promise<WebClient> {
  const client = webClient(portal.app.server);
  await client.get('/me');
  assert.match((await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password })).body, /Your account/);
  return client;
}

describe('a real index imported from a Pwned Passwords list', () => {
  test('reset, after answers and a code: the listed password and a common one are refused and audited, nothing written; a strong one is set', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await verify(client, 'reset', user, { channel: 'email', address: `${user.sam}@${facts.dnsDomain}`, outbox: fixture.portal.outbox });
    const facts0 = await passwordFacts(user);
    assert.match((await client.submit('/reset/password', { password: BREACHED, confirm: BREACHED })).body, BREACHED_TEXT);
    assert.match((await client.submit('/reset/password', { password: COMMON, confirm: COMMON })).body, COMMON_TEXT);
    await assertUnchanged(user, facts0);
    assert.deepEqual(await refusals(fixture.portal, user.sam), ['common; reset', 'breached; reset']);
    const next = freshPassword();
    assert.match((await client.submit('/reset/password', { password: next, confirm: next })).body, /Your password has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('public change, with the old password proven: the listed and the common password are refused, nothing written; a strong one is set', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    const change = async (newPassword: string) => {
      await client.get('/change');
      return client.submit('/change', { username: user.sam, domain: '', oldPassword: user.password, newPassword, confirm: newPassword });
    };
    const facts0 = await passwordFacts(user);
    assert.match((await change(BREACHED)).body, BREACHED_TEXT);
    assert.match((await change(COMMON)).body, COMMON_TEXT);
    await assertUnchanged(user, facts0);
    assert.deepEqual(await refusals(fixture.portal, user.sam), ['common; change', 'breached; change']);
    const next = freshPassword();
    assert.match((await change(next)).body, /has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('/me: the listed and the common password are refused, an over-long one for its length without being screened; a strong one is set', async () => {
    const user = await fixture.person();
    const client = await signedIn(fixture.portal, user);
    const change = (newPassword: string) => client.submit('/me/password', { oldPassword: user.password, newPassword, confirm: newPassword });
    const facts0 = await passwordFacts(user);
    assert.match((await change(BREACHED)).body, BREACHED_TEXT);
    assert.match((await change(COMMON)).body, COMMON_TEXT);
    const long = (await change(OVER_LONG)).body;
    assert.match(long, /The new password is too long: use at most 256 characters/);
    assert.doesNotMatch(long, /known data breaches, so/);
    await assertUnchanged(user, facts0);
    assert.deepEqual(await refusals(fixture.portal, user.sam), ['max-length; me', 'common; me', 'breached; me'], 'the over-long one, listed, was not screened');
    const next = freshPassword();
    assert.match((await change(next)).body, /Your password has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test("the helpdesk's typed password: the listed and the common password are refused on the operator's page, nothing written; a strong one is set", async () => {
    const user = await fixture.person();
    const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
    const desk = webClient(fixture.portal.app.server);
    await desk.get('/helpdesk');
    assert.match((await desk.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword })).body, /Find a user/);
    const reset = async (password: string) => {
      const page = await desk.get(`/helpdesk/users/${guid}`);
      return desk.post(`/helpdesk/users/${guid}/reset`, { mode: 'typed', password, confirm: password }, { csrf: csrfOf(page.body) ?? false });
    };
    const facts0 = await passwordFacts(user);
    assert.match((await reset(BREACHED)).body, BREACHED_TEXT);
    assert.match((await reset(COMMON)).body, COMMON_TEXT);
    await assertUnchanged(user, facts0);
    assert.deepEqual(await refusals(fixture.portal, user.sam, 'target'), ['common; helpdesk; typed', 'breached; helpdesk; typed']);
    const next = freshPassword();
    assert.match((await reset(next)).body, /The password was reset/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('a re-import reaches the running portal within seconds: a password it accepted is refused once the new list has it', async () => {
    const later = freshPassword();
    const first = await fixture.person();
    const second = await fixture.person();
    const change = async (user: TestUser) =>
      (await signedIn(fixture.portal, user)).submit('/me/password', { oldPassword: user.password, newPassword: later, confirm: later });
    assert.match((await change(first)).body, /Your password has been changed/, 'not listed yet: accepted');
    await importList({ [BREACHED]: BREACH_COUNT, [later]: 4_321 });
    // The portal looks at the file at most every 2 seconds.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const facts0 = await passwordFacts(second);
    assert.match((await change(second)).body, /This password has appeared in 4,321 known data breaches/);
    await assertUnchanged(second, facts0);
    const range = await fixture.portal.app.server.inject({ url: `/password-check/range/${sha1Hex(later).slice(0, 5)}` });
    assert.ok(
      range.body.split('\n').some((line) => line.endsWith(':4321') && sha1Hex(later).slice(5).startsWith(line.split(':')[0]!)),
      'and the page check knows it',
    );
  });

  test('the index cut short under the running portal: no page fails, the common list still refuses, the range is empty, logged once', async () => {
    const user = await fixture.person();
    const client = await signedIn(fixture.portal, user);
    const prefix = sha1Hex(BREACHED).slice(0, 5);
    const logged = () => fixture.portal.logLines.filter((line) => line.includes('breached-password index')).length;
    const before = logged();
    // The header and part of the bucket table left: every lookup reaches past the end.
    truncateSync(indexFile, 100);
    for (let i = 0; i < 3; i++) {
      const page = await client.submit('/me/password', { oldPassword: user.password, newPassword: COMMON, confirm: COMMON });
      assert.equal(page.status, 200);
      assert.match(page.body, COMMON_TEXT);
      const range = await fixture.portal.app.server.inject({ url: `/password-check/range/${prefix}` });
      assert.equal(range.statusCode, 200);
      assert.equal(range.body, '');
    }
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.equal((await fixture.portal.app.server.inject({ url: `/password-check/range/${prefix}` })).statusCode, 200);
    assert.equal(logged() - before, 1, fixture.portal.logLines.slice(-5).join('\n'));
  });
});

describe('an online check that does not answer', () => {
  const hanging = createServer(() => undefined);
  let url = '';
  before(async () => {
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/range/`;
  });
  after(() => {
    hanging.closeAllConnections();
    hanging.close();
  });
  const online = portalFixture({
    breachedIndexFile: join(folder, 'none.idx'),
    // Read when the portal starts, once the hanging server listens.
    get breachedPasswords() {
      return { online: { enabled: true, url, timeoutMs: 300, whenUnreachable: 'refuse' } };
    },
  });

  test('is given up after its timeout: the page answers that the check cannot be made, and nothing is written', async () => {
    const user = await online.person();
    const client = await signedIn(online.portal, user);
    const facts0 = await passwordFacts(user);
    const next = freshPassword();
    const started = performance.now();
    const page = await client.submit('/me/password', { oldPassword: user.password, newPassword: next, confirm: next });
    assert.ok(performance.now() - started < 2_000, `answered in ${Math.round(performance.now() - started)} ms`);
    assert.match(page.body, /cannot be made right now, so the password was not set/);
    assert.deepEqual(await passwordFacts(user), facts0);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });
});
