/**
 * Whole journeys through the public fixture.portal, against the real Samba domain, a real SMTP server
 * and a local Twilio stand-in: what a user does on their worst morning, end to end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bindAs, devDomain, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { codeSentTo, enroll, verify } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

const person = (extra: Record<string, string> = {}) => fixture.person('staff', extra);

const mailOf = (user: TestUser) => `${user.sam}@${facts.dnsDomain}`;

describe('reset', () => {
  test('enroll, forget, reset with questions and an e-mailed code: the new password binds', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    const passwordPage = await verify(client, 'reset', user, { channel: 'email', address: mailOf(user), outbox: fixture.portal.outbox });
    assert.match(passwordPage.body, /Choose your new password/);
    assert.match(passwordPage.body, /at least 8 characters/, 'the rules are shown before typing');
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /Your password has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
    assert.equal(await bindAs(user.dn, user.password), '52e');
    // The owner is told what happened, when and from where.
    const notice = await fixture.portal.outbox.waitFor((m) => m.to.includes(mailOf(user)) && /was reset/.test(m.subject));
    assert.match(notice.text, new RegExp(user.sam));
    assert.match(notice.text, /127\.0\.0\.1/);
    assert.match(notice.text, /If this was NOT you/);
  });

  test('the same with the code sent by text message', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user, { mobile: '+15550123456' });
    await verify(client, 'reset', user, { channel: 'sms', address: '+15550123456', outbox: fixture.portal.outbox, twilio: fixture.portal.twilio });
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /Your password has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('a locked account is unlocked by the reset too', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    for (let i = 0; i < 5; i++) await bindAs(user.dn, 'Wrong-password-1');
    assert.equal(await bindAs(user.dn, user.password), '775');
    await verify(client, 'reset', user, { channel: 'email', address: mailOf(user), outbox: fixture.portal.outbox });
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /it is unlocked now/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('a new password the policy refuses is explained on the page and changes nothing', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await verify(client, 'reset', user, { channel: 'email', address: mailOf(user), outbox: fixture.portal.outbox });
    const short = await client.submit('/reset/password', { password: 'Ab1!', confirm: 'Ab1!' });
    assert.match(short.body, /too short: use at least 8 characters/);
    const differ = await client.submit('/reset/password', { password: 'Tulip-garden-77', confirm: 'Tulip-garden-78' });
    assert.match(differ.body, /not the same/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
    // Still on the same step: a good password goes through.
    const next = freshPassword();
    assert.match((await client.submit('/reset/password', { password: next, confirm: next })).body, /has been changed/);
  });
});

describe('reset with "must change at next logon"', () => {
  let strict: TestPortal;
  before(async () => {
    strict = await startTestPortal({ reset: { mustChangeAfterReset: true } });
  });
  after(() => strict.close());

  test('the user is told, and the next sign-in must change the password', async () => {
    const user = await person();
    const client = webClient(strict.app.server);
    await enroll(client, user);
    await verify(client, 'reset', user, { channel: 'email', address: mailOf(user), outbox: strict.outbox });
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /asked to choose another one/);
    assert.equal(await bindAs(user.dn, next), '773');
  });
});

describe('automatic enrollment', () => {
  let auto: TestPortal;
  before(async () => {
    auto = await startTestPortal({ enrollment: { autoEnroll: true }, verification: { questionsToAsk: 0 } });
  });
  after(() => auto.close());

  test("a user who never enrolled resets with a code sent to the directory's mail address", async () => {
    const user = await person();
    const client = webClient(auto.app.server);
    await client.get('/reset');
    const channels = await client.submit('/reset', { username: user.sam, domain: '' });
    assert.match(channels.body, /Where should we send your code/, 'no questions: code-only verification');
    // Before any proof, nothing of the address shows: its letters would tell a real account from a decoy.
    assert.match(channels.body, /E-mail to •{5}@•{5}</, 'the directory address, hidden');
    await client.submit('/reset/send', { channel: 'email' });
    await client.submit('/reset/code', { code: await codeSentTo(mailOf(user), auto.outbox) });
    const next = freshPassword();
    assert.match((await client.submit('/reset/password', { password: next, confirm: next })).body, /has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });
});

describe('unlock', () => {
  test('a locked account is unlocked and the old password binds again', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    for (let i = 0; i < 5; i++) await bindAs(user.dn, 'Wrong-password-1');
    assert.equal(await bindAs(user.dn, user.password), '775');
    const confirm = await verify(client, 'unlock', user, { channel: 'email', address: mailOf(user), outbox: fixture.portal.outbox });
    assert.match(confirm.body, /Unlock my account/);
    const done = await client.submit('/unlock/confirm', {});
    assert.match(done.body, /Your account is unlocked/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });
});

describe('change', () => {
  test('with the current password the new one binds', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await client.get('/change');
    const next = freshPassword();
    const done = await client.submit('/change', { username: user.sam, oldPassword: user.password, newPassword: next, confirm: next });
    assert.match(done.body, /Your password has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('a wrong current password is refused, the form kept (without passwords), nothing changed', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await client.get('/change');
    const next = freshPassword();
    const page = await client.submit('/change', { username: user.sam, oldPassword: 'Not-it-123', newPassword: next, confirm: next });
    assert.match(page.body, /class="errors"/);
    assert.match(page.body, /username or password is not correct/);
    assert.match(page.body, new RegExp(`value="${user.sam}"`), 'the typed username is kept');
    assert.ok(!page.body.includes(next), 'passwords are never sent back');
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });
});

describe('URL parameters', () => {
  test('/?cmd=enroll&username=…&domain=… opens the page filled in', async () => {
    const client = webClient(fixture.portal.app.server);
    const redirect = await client.get('/?cmd=enroll&username=jsmith&domain=LATCHKEY&other=x');
    assert.equal(redirect.status, 303);
    assert.equal(redirect.location, '/enroll?username=jsmith&domain=LATCHKEY');
    const page = await client.get(redirect.location!);
    assert.match(page.body, /id="username" name="username" value="jsmith"/);
    assert.match(page.body, /id="domain" name="domain" value="LATCHKEY"/);
    for (const cmd of ['reset', 'unlock', 'change']) {
      assert.match((await client.get(`/${cmd}?username=jsmith`)).body, /value="jsmith"/, cmd);
    }
  });
});
