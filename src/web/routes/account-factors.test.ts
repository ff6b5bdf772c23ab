/**
 * The authenticator app and recovery codes through the pages of /me, against the real domain and
 * an in-process SMTP server: binding works without script (the QR code is inline SVG) and needs a
 * right first code; signing in then asks for a code, refusing a wrong and a replayed one (which
 * count toward the portal lockout); removal asks first; recovery codes are shown and downloadable
 * once, and using one mails the owner how many are left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { redeemRecoveryCode } from '../../flows/recovery-codes.ts';
import type { TestUser } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import { type WebClient, webClient } from '../../testing/web-client.ts';

const MAX_WRONG = 3;
const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 }, portalLockout: { maxWrongAnswers: MAX_WRONG } } });

/** The code the app shows for `secret`, `steps` time steps from now. */
const codeOf = (secret: string, steps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + steps * 30_000 });

const selfService = async (sam: string, action: string) =>
  (await fixture.portal.app.store.audit.query({ category: 'self-service', action })).filter((entry) => entry.actor === sam);

async function signIn(user: TestUser): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/me');
  await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
  return client;
}

/** A user signed in with an app bound through the pages; the secret as read off the binding page. */
async function withApp(): Promise<{ user: TestUser; client: WebClient; secret: string }> {
  const user = await fixture.person();
  const client = await signIn(user);
  const binding = await client.post('/me/totp', {});
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(binding.body)![1]!.replace(/ /g, '');
  const done = await client.post('/me/totp/confirm', { code: codeOf(secret) });
  assert.match(done.body, /Your authenticator app is set up/);
  return { user, client, secret };
}

test('binding works without script: an inline SVG QR code, the secret as text, and a right first code', async () => {
  const user = await fixture.person();
  const client = await signIn(user);
  const binding = await client.post('/me/totp', {});
  assert.equal(binding.status, 200);
  assert.match(binding.body, /<svg [^>]*role="img"/);
  assert.doesNotMatch(binding.body, /<script/);
  assert.doesNotMatch(binding.body, /<img /, 'no picture from elsewhere');
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(binding.body)![1]!.replace(/ /g, '');
  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;

  const wrong = await client.post('/me/totp/confirm', { code: codeOf(secret, 3) });
  assert.match(wrong.body, /That code is not right/);
  assert.match(wrong.body, /<svg /, 'the same page again, to try once more');
  assert.equal(await fixture.portal.app.store.totp.get(guid), null, 'a wrong first code binds nothing');

  const bound = await client.post('/me/totp/confirm', { code: codeOf(secret) });
  assert.match(bound.body, /Your authenticator app is set up/);
  const row = await fixture.portal.app.store.db.selectFrom('totp_secrets').selectAll().where('user_guid', '=', guid).executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(row).includes(secret), 'the secret is not readable in the database');
  assert.doesNotMatch((await client.get('/me')).body, new RegExp(secret.slice(0, 8)), 'never shown again');
  assert.deepEqual(
    (await selfService(user.sam, 'totp-bound')).map((entry) => [entry.outcome, entry.detail]),
    [['success', 'first app']],
  );
  assert.ok(!JSON.stringify(await fixture.portal.app.store.audit.query({ actor: user.sam })).includes(secret));
  assert.match(await metrics(), /latchkey_events_total\{category="self-service",action="totp-bound",outcome="success"\} [1-9]/);
});

test('with an app bound, signing in asks for a code: a wrong one and a replayed one are refused', async () => {
  const { user, secret } = await withApp();
  const client = await signIn(user);
  assert.match(client.last!.body, /Type the 6-digit code it shows now/);
  assert.doesNotMatch((await client.get('/me')).body, /Your details/, 'the password alone does not open the account');
  const wrong = await client.post('/me/sign-in/code', { code: codeOf(secret, -2) });
  assert.match(wrong.body, /That code is not right/);
  const code = codeOf(secret, 1);
  const inside = await client.submit('/me/sign-in/code', { code });
  assert.match(inside.body, /Your details/);

  const again = await signIn(user);
  const replayed = await again.post('/me/sign-in/code', { code });
  assert.match(replayed.body, /That code was used already/);
  assert.doesNotMatch((await again.get('/me')).body, /Your details/);
  assert.equal((await selfService(user.sam, 'totp-wrong')).filter((entry) => entry.detail?.startsWith('sign-in')).length, 1);
  assert.equal((await selfService(user.sam, 'totp-replayed')).length, 1);
  assert.equal((await selfService(user.sam, 'totp-used')).length, 1);
});

test('wrong sign-in codes count toward the portal lockout, which then refuses even the right code', async () => {
  const { user, secret } = await withApp();
  const client = await signIn(user);
  let page = client.last!;
  for (let i = 0; i < MAX_WRONG; i++) page = await client.post('/me/sign-in/code', { code: codeOf(secret, 5) });
  assert.match(page.body, /password self-service is paused for it for \d+ minutes/);
  const retry = await signIn(user);
  const stopped = await retry.post('/me/sign-in/code', { code: codeOf(secret) });
  assert.doesNotMatch(stopped.body, /Your details/);
  assert.doesNotMatch((await retry.get('/me')).body, /Your details/);
});

test('removing the app asks first; afterwards signing in needs the password only', async () => {
  const { user, client } = await withApp();
  const asked = await client.post('/me/totp/remove', {});
  assert.match(asked.body, /Remove the authenticator app\?/);
  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
  assert.ok(await fixture.portal.app.store.totp.get(guid), 'still bound until confirmed');
  const removed = await client.post('/me/totp/remove', { confirm: 'yes' });
  assert.match(removed.body, /Your authenticator app was removed/);
  assert.equal(await fixture.portal.app.store.totp.get(guid), null);
  assert.match((await signIn(user)).last!.body, /Your details/);
});

test('recovery codes are shown once and downloadable once; using one mails the owner how many are left', async () => {
  const user = await fixture.person();
  const client = await signIn(user);
  const shown = await client.post('/me/recovery-codes', {});
  const codes = [...shown.body.matchAll(/<code>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{5})<\/code>/g)].map((match) => match[1]!);
  assert.equal(codes.length, 10);
  const download = await client.post('/me/recovery-codes/download', {});
  assert.match(String(download.headers['content-type']), /^text\/plain/);
  assert.match(String(download.headers['content-disposition']), /^attachment; filename="recovery-codes.txt"/);
  for (const code of codes) assert.ok(download.body.includes(code));
  const second = await client.post('/me/recovery-codes/download', {}, { csrf: /name="_csrf" value="([^"]+)"/.exec(shown.body)![1]! });
  assert.doesNotMatch(String(second.headers['content-type']), /^text\/plain/);
  assert.match(second.body, /only right after they are made/);
  assert.match((await client.get('/me')).body, /You have 10 unused recovery codes/);

  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
  const used = await redeemRecoveryCode(fixture.portal.app.ctx, { guid, sam: user.sam }, codes[4]!.toUpperCase(), { ip: '192.0.2.44' });
  assert.deepEqual(used, { outcome: 'accepted', remaining: 9 });
  const notice = await fixture.portal.outbox.waitFor((message) => message.to.includes(user.upn) && /recovery code/i.test(message.subject), 5000);
  assert.match(notice.text, /You have 9 unused recovery codes left/);
  assert.match(notice.text, /192\.0\.2\.44/);
  assert.ok(!notice.raw.includes(codes[4]!), 'the notice does not carry the code');
});

async function metrics(): Promise<string> {
  return (await fixture.portal.app.server.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body;
}
