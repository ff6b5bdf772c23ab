/**
 * The signed-in area against the real Samba domain: profile view and edit, groups, password
 * change and enrollment, each audited; crafted edits and missing rights are refused cleanly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindAs, createGroup, devDomain, freshPassword, readAttribute, type TestUser } from '../../testing/dev-domain.ts';
import { answerFields } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
// Every test signs in from the same address: limits high enough not to be what is tested here.
const fixture = portalFixture({
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  // mail too, to show that a typed address is checked before the directory is asked to write it.
  selfService: { editableAttributes: ['mobile', 'telephoneNumber', 'mail'] },
});

async function signedIn(user: TestUser): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/me');
  const page = await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
  assert.match(page.body, /Your account/);
  return client;
}

const selfService = (action: string) => fixture.portal.app.store.audit.query({ category: 'self-service', action });

test('signing in shows the profile and the account facts; both are audited', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const page = client.last!;
  assert.match(page.body, new RegExp(`${user.sam}@${facts.dnsDomain}`), 'the mail attribute');
  assert.match(page.body, /Last changed/);
  assert.match(page.body, /Not set up yet/);
  assert.match(page.body, /at least 8 characters/, 'the rules are shown before the change form');
  // The markup the live check reads: one item per rule, its values in data attributes, the account's words once known.
  assert.match(page.body, /<div class="rules" id="rules" data-live-rules>/);
  assert.match(page.body, /<li data-rule="min-length" data-min="\d+">/);
  assert.match(page.body, /<li data-rule="max-length" data-max="256">/);
  assert.match(page.body, new RegExp(`<li data-rule="no-name" data-words="[^"]*\\b${user.sam}\\b[^"]*">`));
  assert.match(page.body, /<li data-rule="no-repeats" data-max="3">/);
  assert.match(page.body, /<li data-rule="no-sequences" data-max="3">/);
  assert.match(page.body, /<li data-rule="complexity" data-categories="3">/);
  assert.ok((await selfService('sign-in')).some((entry) => entry.actor === user.sam && entry.outcome === 'success'));
  assert.ok((await selfService('profile-view')).some((entry) => entry.actor === user.sam));
});

test('a wrong password does not sign in', async () => {
  const user = await fixture.person();
  const client = webClient(fixture.portal.app.server);
  await client.get('/me');
  const page = await client.submit('/me/sign-in', { username: user.sam, domain: '', password: 'Wrong-Password-1' });
  assert.match(page.body, /username or password is not correct/);
  assert.doesNotMatch((await client.get('/me')).body, /Your details/);
});

test('an allowed attribute is changed in the directory, and the audit shows old and new', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const page = await client.submit('/me/profile', { 'attr.mobile': '+44 7700 900123', 'attr.telephoneNumber': '' });
  assert.match(page.body, /Your details were saved/);
  assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+447700900123', 'the mobile number is written as E.164');
  const edit = (await selfService('profile-edit')).find((entry) => entry.actor === user.sam && entry.outcome === 'success');
  assert.match(edit?.detail ?? '', /mobile: "\+15550100999" → "\+447700900123"/);
});

test('a crafted edit of an attribute that is not editable is refused whole, and audited', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const page = await client.submit('/me/profile', { 'attr.mobile': '+44 7700 900999', 'attr.title': 'CEO' });
  assert.match(page.body, /cannot be changed here/);
  assert.equal(await readAttribute(fixture.admin, user.dn, 'title'), undefined);
  assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+15550100999', 'nothing of the request was written');
  assert.ok((await selfService('profile-edit')).some((entry) => entry.actor === user.sam && entry.outcome === 'refused' && /title/.test(entry.detail ?? '')));
});

test('a bad phone number is refused with a plain message', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const page = await client.submit('/me/profile', { 'attr.mobile': 'call me maybe' });
  assert.match(page.body, /Enter a mobile number with \+ and its country code/);
  assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+15550100999');
});

test('an e-mail address with a display name hiding another address is refused, and not written', async () => {
  const user = await fixture.person();
  const before = await readAttribute(fixture.admin, user.dn, 'mail');
  const client = await signedIn(user);
  for (const mail of ['x<evil@example.org>', `${user.sam}@${facts.dnsDomain}, evil@example.org`]) {
    const page = await client.submit('/me/profile', { 'attr.mail': mail });
    assert.match(page.body, /Type one e-mail address on its own/, mail);
  }
  assert.equal(await readAttribute(fixture.admin, user.dn, 'mail'), before);
});

test('where the service account lacks the right, the refusal is clean and names what to delegate', async () => {
  const contractor = await fixture.person('contractors');
  const client = await signedIn(contractor);
  const page = await client.submit('/me/profile', { 'attr.mobile': '+44 7700 900555' });
  assert.match(page.body, /not allowed to change this account/);
  assert.equal(await readAttribute(fixture.admin, contractor.dn, 'mobile'), '+15550100999');
  const failed = (await selfService('profile-edit')).find((entry) => entry.actor === contractor.sam && entry.outcome === 'failure');
  assert.equal(failed?.detail, 'LK_INSUFFICIENT_RIGHTS: delegate Write mobile', 'the admin sees which right to delegate');
});

test('groups are listed transitively, direct ones marked', async () => {
  const user = await fixture.person();
  const inner = await createGroup(fixture.admin, [user.dn]);
  const outer = await createGroup(fixture.admin, [inner]);
  const client = await signedIn(user);
  const page = await client.get('/me/groups');
  const innerName = /^CN=([^,]+)/.exec(inner)![1]!;
  const outerName = /^CN=([^,]+)/.exec(outer)![1]!;
  assert.match(page.body, new RegExp(`<strong>${innerName}</strong> <span class="hint">direct member`));
  assert.match(page.body, new RegExp(`<strong>${outerName}</strong> <span class="hint">through another group`));
  assert.match(page.body, /<strong>Domain Users<\/strong> <span class="hint">direct member/);
  assert.ok((await selfService('groups-view')).some((entry) => entry.actor === user.sam));
  await fixture.admin.del(outer);
  await fixture.admin.del(inner);
});

test('the password is changed bound as the user, and audited', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const next = freshPassword();
  const page = await client.submit('/me/password', { oldPassword: user.password, newPassword: next, confirm: next });
  assert.match(page.body, /Your password has been changed/);
  assert.equal(await bindAs(user.dn, next), 'ok');
  assert.ok((await selfService('change')).some((entry) => entry.actor === user.sam && entry.outcome === 'success' && entry.detail === 'signed in'));
  const wrong = await client.submit('/me/password', { oldPassword: 'Not-the-old-1', newPassword: freshPassword(), confirm: 'x' });
  assert.match(wrong.body, /not the same/);
});

test('the enrollment is managed without a second password, and the user stays signed in', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  const questions = await client.submit('/me/enroll', {});
  assert.match(questions.body, /Your security questions/);
  const fields = { ...answerFields(), email: `${user.sam}@${facts.dnsDomain}`, mobile: '' };
  assert.match((await client.submit('/enroll/questions', fields)).body, /You are set up/);
  assert.match((await client.get('/me')).body, /Set up with 3 security questions/);
});

test('a session idle too long must sign in again', async () => {
  const user = await fixture.person();
  const client = await signedIn(user);
  fixture.portal.advanceClock((fixture.portal.config.selfService.idleMinutes + 1) * 60_000);
  try {
    const page = await client.submit('/me/profile', { 'attr.mobile': '+44 7700 900777' }, { csrf: csrfOf(client.last!.body) });
    assert.doesNotMatch(page.body, /Your details/);
    assert.match(page.body, /Sign in to your account/);
    assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+15550100999');
  } finally {
    fixture.portal.advanceClock(-(fixture.portal.config.selfService.idleMinutes + 1) * 60_000);
  }
});
