/**
 * Enrollment's authenticator app and recovery codes, through the pages against the real domain:
 * under a policy that uses them, enrollment binds the app (QR code and secret, first code
 * required) and makes recovery codes without a visit to /me, and both then pass a reset. A user
 * with an app bound must type a current code from it after the password before enrollment opens:
 * a wrong and a replayed code are refused and count toward the portal lockout, as at /me.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { bindAs, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const MAX_WRONG = 3;
const fixture = portalFixture({
  factors: {
    offered: ['questions', 'totp', 'recovery'],
    reset: [{ need: 2, of: ['questions', 'totp', 'recovery'] }],
    unlock: [{ need: 1, of: ['totp', 'recovery'] }],
  },
  protection: { perIp: { max: 1000 }, perUser: { max: 100 }, portalLockout: { maxWrongAnswers: MAX_WRONG } },
});

/** The code the app shows for `secret`, `steps` time steps from now. */
const codeOf = (secret: string, steps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + steps * 30_000 });

const selfService = async (sam: string, action: string) =>
  (await fixture.portal.app.store.audit.query({ category: 'self-service', action })).filter((entry) => entry.actor === sam);

const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
const secretOn = (page: Page) => /id="totp-secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/ /g, '');

/** Enrolls `user` and binds an app at enrollment's last step; the client (on the list of what else to set up) and the secret. */
async function enrollWithApp(user: TestUser): Promise<{ client: WebClient; secret: string }> {
  const client = webClient(fixture.portal.app.server);
  const more = await enroll(client, user);
  assert.match(more.body, /Set up an authenticator app now/);
  const binding = await client.post('/enroll/totp', {});
  assert.match(binding.body, /<svg [^>]*role="img"/, 'the same binding page as /me: a QR code drawn on the server');
  assert.match(binding.body, /action="\/enroll\/totp\/confirm"/);
  const secret = secretOn(binding);
  const wrong = await client.post('/enroll/totp/confirm', { code: codeOf(secret, 4) });
  assert.match(wrong.body, /That code is not right/);
  const bound = await client.post('/enroll/totp/confirm', { code: codeOf(secret) });
  assert.match(bound.body, /Your authenticator app is set up/);
  return { client, secret };
}

/** Signs in at /enroll with the password; the page that follows. */
async function enrollSignIn(user: TestUser, password = user.password): Promise<{ client: WebClient; page: Page }> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/enroll');
  return { client, page: await client.submit('/enroll', { username: user.sam, domain: '', password }) };
}

test('enrollment binds the app and makes recovery codes without /me, and both then pass a reset', async () => {
  const user = await fixture.person();
  const { client, secret } = await enrollWithApp(user);
  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
  assert.ok(await fixture.portal.app.store.totp.get(guid), 'the app is bound');
  assert.deepEqual(
    (await selfService(user.sam, 'totp-bound')).map((entry) => entry.detail),
    ['first app'],
  );

  const codesPage = await client.post('/enroll/recovery-codes', {});
  assert.match(codesPage.body, /action="\/enroll\/recovery-codes\/download"/);
  const codes = [...codesPage.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map(([, code]) => code!);
  assert.ok(codes.length >= 5, 'a set of codes is shown');
  const file = await client.post('/enroll/recovery-codes/download', {});
  assert.match(file.headers['content-disposition'] as string, /attachment/);
  assert.ok(codes.every((code) => file.body.includes(code)));
  const again = await client.post('/enroll/recovery-codes/download', {}, { csrf: csrfOf(codesPage) });
  assert.doesNotMatch(again.body, new RegExp(codes[0]!), 'downloadable once');
  const finished = await client.post('/enroll/done', {}, { csrf: csrfOf(again) });
  assert.equal(finished.location, '/enroll/done', 'the done page follows a redirect: Back never sends the form again');
  assert.match((await client.get('/enroll/done')).body, /You are set up/);
  assert.equal((await client.get('/enroll/more')).location, '/', 'the enrollment has ended: the start page');

  // The reset, through the real checks: a recovery code and the app's code.
  const reset = webClient(fixture.portal.app.server);
  await reset.get('/reset');
  await reset.submit('/reset', { username: user.sam, domain: '' });
  await reset.submit('/reset/choose', { factor: 'recovery' });
  assert.match((await reset.submit('/reset/recovery', { code: codes[0]! })).body, /One more step is needed/);
  await reset.submit('/reset/choose', { factor: 'totp' });
  assert.match((await reset.submit('/reset/totp', { code: codeOf(secret, 1) })).body, /Choose your new password/);
  const next = freshPassword();
  assert.match((await reset.submit('/reset/password', { password: next, confirm: next })).body, /has been changed/);
  assert.equal(await bindAs(user.dn, next), 'ok');
});

test('with an app bound, /enroll asks for a code after the password: wrong and replayed codes are refused and counted', async () => {
  const user = await fixture.person();
  const { secret } = await enrollWithApp(user);
  const { client, page } = await enrollSignIn(user);
  assert.match(page.body, /Type the 6-digit code it shows now/);
  assert.match(page.body, /action="\/enroll\/code"/);
  assert.equal((await client.get('/enroll/questions')).location, '/', 'the password alone does not open enrollment');

  // The refusal page carries no form: the code page's token is sent.
  const wrong = await client.post('/enroll/code', { code: codeOf(secret, 5) }, { csrf: csrfOf(page) });
  assert.match(wrong.body, /That code is not right/);
  const replayed = await client.post('/enroll/code', { code: codeOf(secret) });
  assert.match(replayed.body, /That code was used already/, 'the code that bound the app is spent');
  assert.deepEqual((await selfService(user.sam, 'totp-wrong')).map((entry) => entry.detail).sort(), ['binding: wrong', 'enroll']);
  assert.deepEqual(
    (await selfService(user.sam, 'totp-replayed')).map((entry) => entry.detail),
    ['enroll'],
  );
  const questions = await client.submit('/enroll/code', { code: codeOf(secret, 1) });
  assert.match(questions.body, /Your security questions/, 'the right code opens enrollment');
});

test('wrong enrollment codes count toward the portal lockout, which then refuses even the right code', async () => {
  const user = await fixture.person();
  const { secret } = await enrollWithApp(user);
  const { client } = await enrollSignIn(user);
  let page = client.last!;
  for (let i = 0; i < MAX_WRONG; i++) page = await client.post('/enroll/code', { code: codeOf(secret, 6) });
  assert.match(page.body, /password self-service is paused for it for \d+ minutes/);
  const retry = await enrollSignIn(user);
  const stopped = await retry.client.post('/enroll/code', { code: codeOf(secret, -1) });
  assert.doesNotMatch(stopped.body, /Your security questions/);
  assert.equal((await retry.client.get('/enroll/questions')).location, '/');
});

test('a wrong password looks the same whether or not the account has an app', async () => {
  const withApp = await fixture.person();
  await enrollWithApp(withApp);
  const without = await fixture.person();
  const a = await enrollSignIn(withApp, 'Not-The-Password-1');
  const b = await enrollSignIn(without, 'Not-The-Password-1');
  const shape = (page: Page) => page.body.replace(/value="[^"]*"/g, '');
  assert.equal(a.page.status, b.page.status);
  assert.equal(shape(a.page), shape(b.page));
  assert.doesNotMatch(a.page.body, /authenticator/);
});

test('the app and recovery codes are set up only after the answers are saved; without an app there is no code step', async () => {
  const user = await fixture.person();
  const { client, page } = await enrollSignIn(user);
  assert.match(page.body, /Your security questions/, 'without an app, the password opens enrollment as before');
  const csrf = csrfOf(page);
  assert.equal((await client.post('/enroll/totp', {}, { csrf })).status, 409, 'binding before the answers');
  assert.equal((await client.post('/enroll/recovery-codes', {}, { csrf })).status, 409, 'codes before the answers');
  assert.equal((await client.post('/enroll/code', { code: '123456' }, { csrf })).status, 409, 'no code step without an app');
  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
  assert.equal(await fixture.portal.app.store.totp.get(guid), null);
  assert.deepEqual(await selfService(user.sam, 'recovery-codes-generated'), []);
});
