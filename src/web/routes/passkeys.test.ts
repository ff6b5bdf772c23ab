/**
 * /me/passkeys over HTTP, with a software authenticator standing in for the browser's prompt:
 * the page works and says what needs JavaScript without it; options carry server.publicUrl's RP
 * ID even under a forged Host; a registration is answered once; rename and remove (after a
 * confirming page) change only the user's own passkeys.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestUser } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import { softAuthenticator } from '../../testing/soft-authenticator.ts';
import { type WebClient, webClient } from '../../testing/web-client.ts';

const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });
const ORIGIN = 'https://passwords.latchkey.test';

async function signedIn(user: TestUser): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/me');
  assert.match((await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password })).body, /Your account/);
  return client;
}

const htmlText = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The options the add page hands to the browser script. */
function optionsOf(body: string): { challenge: string; rp: { id: string }; excludeCredentials: { id: string }[] } {
  const attribute = /data-passkey-options="([^"]*)"/.exec(body);
  assert.ok(attribute, 'the add page carries the options');
  return JSON.parse(htmlText(attribute[1]!));
}

test('without JavaScript the page lists passkeys, and says adding one needs it; the add form is hidden until the script shows it', async () => {
  const client = await signedIn(await fixture.person());
  assert.match((await client.get('/me')).body, /Passkeys registered: 0\. <a href="\/me\/passkeys">/);
  const page = await client.get('/me/passkeys');
  assert.match(page.body, /You have no passkeys yet/);
  assert.match(page.body, /<p class="warning" data-passkey-needs-script>Adding or using a passkey needs JavaScript/);
  assert.match(page.body, /<form method="post" action="\/me\/passkeys\/new" data-passkey-reveal hidden>/);
  assert.match(page.body, /<script src="\/static\/passkeys\.bundle\.[0-9a-f]{16}\.js" defer><\/script>/);
  assert.doesNotMatch(page.body, /<script>|onclick=|onsubmit=/, 'no inline script or handler');
  assert.equal(
    page.headers['content-security-policy'],
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'self'; connect-src 'self'",
    'the portal’s own scripts only: nothing inline, no eval, fetches to the portal alone',
  );
});

test('a passkey is added, listed, renamed and removed after a confirming page; a forged Host changes nothing of the options', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  await client.get('/me/passkeys');
  const add = await client.post('/me/passkeys/new', {}, { headers: { host: 'evil.example' } });
  const options = optionsOf(add.body);
  assert.equal(options.rp.id, 'passwords.latchkey.test', 'the RP ID comes from server.publicUrl, not from Host');
  const authenticator = softAuthenticator(ORIGIN);
  const answer = JSON.stringify(authenticator.register(options));
  const added = await client.post('/me/passkeys/add', { name: 'Work laptop', response: answer });
  assert.match(added.body, /Your passkey “Work laptop” was added/);
  assert.match(added.body, /<strong>Work laptop<\/strong>/);
  assert.match(added.body, /not used yet/);

  // The same answer again: the registration it answered is used up.
  const replay = await client.post('/me/passkeys/add', { name: 'Again', response: answer });
  assert.match(replay.body, /The passkey could not be checked/);
  const second = optionsOf((await client.post('/me/passkeys/new', {})).body);
  assert.deepEqual(
    second.excludeCredentials.map((key) => key.id),
    [authenticator.credentialId],
    'the passkey is excluded from the next registration',
  );

  await client.get('/me/passkeys');
  const renamed = await client.post('/me/passkeys/rename', { id: authenticator.credentialId, name: 'Old laptop' });
  assert.match(renamed.body, /The passkey is now called “Old laptop”/);
  const confirm = await client.post('/me/passkeys/remove', { id: authenticator.credentialId });
  assert.match(confirm.body, /Remove the passkey “Old laptop”\?/);
  assert.equal(
    await fixture.portal.app.store.passkeys.count((await fixture.portal.app.directory.findUser(user.sam))!.guid),
    1,
    'not removed before confirming',
  );
  const removed = await client.post('/me/passkeys/remove', { id: authenticator.credentialId, confirm: 'yes' });
  assert.match(removed.body, /The passkey “Old laptop” was removed/);
  assert.match(removed.body, /You have no passkeys yet/);
  const actions = (await fixture.portal.app.store.audit.query({ actor: user.sam })).map((entry) => `${entry.action}:${entry.outcome}`);
  for (const done of ['passkey-registered:success', 'passkey-registered:refused', 'passkey-renamed:success', 'passkey-removed:success'])
    assert.ok(actions.includes(done), done);
});

test('an answer made for another site is refused; another user’s passkey cannot be renamed or removed', async () => {
  const owner = await fixture.person();
  const intruder = await fixture.person();
  const ownerClient = await signedIn(owner);
  const authenticator = softAuthenticator('https://evil.example');
  const options = optionsOf((await ownerClient.post('/me/passkeys/new', {})).body);
  assert.match(
    (await ownerClient.post('/me/passkeys/add', { name: '', response: JSON.stringify(authenticator.register(options)) })).body,
    /could not be checked/,
  );
  const good = softAuthenticator(ORIGIN);
  const again = optionsOf((await ownerClient.post('/me/passkeys/new', {})).body);
  assert.match((await ownerClient.post('/me/passkeys/add', { name: 'Phone', response: JSON.stringify(good.register(again)) })).body, /was added/);

  const intruderClient = await signedIn(intruder);
  await intruderClient.get('/me/passkeys');
  assert.match((await intruderClient.post('/me/passkeys/rename', { id: good.credentialId, name: 'Mine' })).body, /not among yours/);
  assert.match((await intruderClient.post('/me/passkeys/remove', { id: good.credentialId, confirm: 'yes' })).body, /not among yours/);
  assert.match((await ownerClient.get('/me/passkeys')).body, /<strong>Phone<\/strong>/, 'the owner keeps it, named as before');
});

test('signed out, the passkey pages lead to the sign-in', async () => {
  const client = webClient(fixture.portal.app.server);
  const page = await client.get('/me/passkeys');
  assert.equal(page.status, 303);
  assert.equal(page.headers.location, '/me');
});
