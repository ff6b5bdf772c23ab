/**
 * Forms posted with input no browser sends: a field repeated, a value too long, a value of the
 * wrong kind. Each gets a plain error on its field, and nothing happens: no password tried or
 * changed, no flow started.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindAs, freshPassword } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, webClient } from '../../testing/web-client.ts';

const fixture = portalFixture();

/** Posts `fields` as a browser would not: repeated keys allowed, after loading `page` for its CSRF token. */
async function postRaw(page: string, action: string, fields: [string, string][]) {
  const client = webClient(fixture.portal.app.server);
  const form = await client.get(page);
  const body = new URLSearchParams([...fields, ['_csrf', csrfOf(form.body)!]]).toString();
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return fixture.portal.app.server.inject({
    method: 'POST',
    url: action,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body,
  });
}

test('a change with the new password sent twice, differently, is refused on that field and the password stays', async () => {
  const user = await fixture.person();
  const response = await postRaw('/change', '/change', [
    ['username', user.sam],
    ['oldPassword', user.password],
    ['newPassword', freshPassword()],
    ['newPassword', freshPassword()],
    ['confirm', freshPassword()],
  ]);
  assert.equal(response.statusCode, 200);
  assert.match(response.body, /sent more than once/);
  assert.match(response.body, /href="#newPassword"/);
  assert.equal(await bindAs(user.dn, user.password), 'ok', 'the old password still works');
  const changes = await fixture.portal.app.store.audit.query({ action: 'change', actor: user.sam });
  assert.equal(changes.length, 0, 'no password was even tried');
});

test('a password longer than the form takes is refused, not cut to fit and set', async () => {
  const user = await fixture.person();
  const long = `${freshPassword()}${'x'.repeat(600)}`;
  const response = await postRaw('/change', '/change', [
    ['username', user.sam],
    ['oldPassword', user.password],
    ['newPassword', long],
    ['confirm', long],
  ]);
  assert.match(response.body, /longer than the 512 characters allowed here/);
  assert.equal(await bindAs(user.dn, user.password), 'ok');
  assert.equal(await bindAs(user.dn, long.slice(0, 512)), '52e', 'the cut password was not set');
});

test('an over-long or repeated name on a first step starts no flow, the same for every name', async () => {
  const before = (await fixture.portal.app.store.audit.query({ action: 'reset-requested' })).length;
  const long = await postRaw('/reset', '/reset', [['username', 'a'.repeat(300)]]);
  assert.equal(long.statusCode, 200);
  assert.match(long.body, /longer than the 256 characters allowed/);
  const repeated = await postRaw('/reset', '/reset', [
    ['username', 'someone'],
    ['username', 'other'],
  ]);
  assert.match(repeated.body, /sent more than once/);
  assert.equal(long.headers.location, undefined);
  assert.equal(repeated.headers.location, undefined);
  assert.equal((await fixture.portal.app.store.audit.query({ action: 'reset-requested' })).length, before, 'no flow was started');
});

test('a sign-in with the password repeated tries no password at all', async () => {
  const user = await fixture.person();
  const response = await postRaw('/me', '/me/sign-in', [
    ['username', user.sam],
    ['password', 'wrong-one'],
    ['password', user.password],
  ]);
  assert.match(response.body, /sent more than once/);
  assert.doesNotMatch(response.body, /Your account/);
  const signIns = await fixture.portal.app.store.audit.query({ action: 'sign-in', actor: user.sam });
  assert.equal(signIns.length, 0);
});
