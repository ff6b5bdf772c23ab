/**
 * Every credential change is told to its owner, through the real pages against the Samba domain
 * and read from the in-process SMTP outbox: a self-service reset, unlock and change, a change at
 * /me, the helpdesk's reset and unlock (naming the operator only when the admin allows) and its
 * clearing of a factor, a changed enrollment (told to the address it replaced too), and factors
 * added and removed. Each notice says what happened, when, from where, and what to do if it was
 * not the owner.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { noticesSettled } from '../../flows/credential-notices.ts';
import type { OutboxMessage } from '../../notify/outbox.ts';
import { devDomain, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { lockInAd } from '../../testing/flow-context.ts';
import { enroll, resetPassword, verify } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const IP = '198.51.100.23';
const OPERATOR_IP = '203.0.113.9';
const CONTACT = 'call 555-0100';
const fixture = portalFixture({
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }], requireCallerVerification: false },
  help: { helpdeskContact: CONTACT },
});
const EDITOR = { sam: 'test', guid: null, ip: '-' };

const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;

/** The notices sent to `address` whose subject matches, once every notice under way has gone out. */
async function noticesTo(address: string, subject: RegExp): Promise<OutboxMessage[]> {
  await noticesSettled();
  return fixture.portal.outbox.messages().filter((message) => message.to.includes(address) && subject.test(message.subject));
}

/** The one notice to `address` whose subject matches; it says when, and what to do if it was not them. */
async function theNotice(address: string, subject: RegExp): Promise<OutboxMessage> {
  const found = await noticesTo(address, subject);
  assert.equal(found.length, 1, `one notice "${subject.source}" to ${address}`);
  const notice = found[0]!;
  assert.match(notice.text, new RegExp(`${new Date().getUTCFullYear()} at \\d{1,2}:\\d{2}:\\d{2}( [AP]M)? UTC`), 'when, with the zone named');
  assert.match(
    notice.text,
    /If this was NOT you, .*reset your password now at https:\/\/passwords\.latchkey\.test\/reset and tell your helpdesk \(call 555-0100\)/s,
  );
  return notice;
}

async function signedIn(user: TestUser): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server, { ip: IP });
  await client.get('/me');
  const page = await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
  assert.match(page.body, /Your account/);
  return client;
}

async function operator(): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server, { ip: OPERATOR_IP });
  await client.get('/helpdesk');
  const page = await client.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword });
  assert.match(page.body, /Find a user/);
  return client;
}

async function helpdeskAct(client: WebClient, user: TestUser, action: string, fields: Record<string, string> = {}) {
  const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
  const page = await client.get(`/helpdesk/users/${guid}`);
  return client.post(`/helpdesk/users/${guid}/${action}`, fields, { csrf: csrfOf(page.body) ?? false });
}

const nameOperator = async (on: boolean) => {
  const saved = await fixture.portal.app.admin.settings.save('notices', { nameOperator: on }, EDITOR);
  assert.equal(saved.ok, true, JSON.stringify(saved));
  fixture.portal.app.runtime.apply();
};

describe('self-service', () => {
  test('enrolling, then a reset: each is told, with when, from which address and what to do', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server, { ip: IP }), user);
    const enrolled = await theNotice(mailOf(user), /enrollment was changed/);
    assert.match(enrolled.text, new RegExp(`enrollment of your account ${user.sam} .* from the address ${IP.replace(/\./g, '\\.')}`, 's'));

    await resetPassword(webClient(fixture.portal.app.server, { ip: IP }), user, { address: mailOf(user), outbox: fixture.portal.outbox }, freshPassword());
    const reset = await theNotice(mailOf(user), /password was reset/);
    assert.match(
      reset.text,
      new RegExp(`password of your account ${user.sam} was reset with password self-service on .* from the address ${IP.replace(/\./g, '\\.')}`, 's'),
    );
    const sent = await fixture.portal.app.store.audit.query({ actor: user.sam, action: 'notice-sent' });
    assert.deepEqual(sent.map((entry) => entry.detail).sort(), ['notice enrollment: e-mail to 1 address(es)', 'notice reset: e-mail to 1 address(es)']);
  });

  test('an unlock is told', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    await lockInAd(user);
    const client = webClient(fixture.portal.app.server, { ip: IP });
    const confirm = await verify(client, 'unlock', user, { channel: 'email', address: mailOf(user), outbox: fixture.portal.outbox });
    const done = await client.submit('/unlock/confirm', {});
    assert.match(done.body, /unlocked/i, confirm.body.slice(0, 200));
    const notice = await theNotice(mailOf(user), /account was unlocked/);
    assert.match(
      notice.text,
      new RegExp(`Your account ${user.sam} was unlocked with password self-service on .* from the address ${IP.replace(/\./g, '\\.')}`, 's'),
    );
  });

  test('a change on the change page and one at /me are each told', async () => {
    const user = await fixture.person();
    const next = freshPassword();
    const client = webClient(fixture.portal.app.server, { ip: IP });
    await client.get('/change');
    const done = await client.submit('/change', { username: user.sam, domain: '', oldPassword: user.password, newPassword: next, confirm: next });
    assert.match(done.body, /Your password has been changed/);
    assert.match((await theNotice(mailOf(user), /password was changed/)).text, /was changed on .* from the address 198\.51\.100\.23/s);

    const me = await signedIn({ ...user, password: next });
    const again = freshPassword();
    await me.submit('/me/password', { oldPassword: next, newPassword: again, confirm: again });
    assert.equal((await noticesTo(mailOf(user), /password was changed/)).length, 2, 'the change at /me is told too');
  });

  test('a changed enrollment is told to the address it replaced as well', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user, { email: 'first@example.test' });
    await enroll(webClient(fixture.portal.app.server, { ip: IP }), user, { email: 'second@example.test' });
    const told = await noticesTo('first@example.test', /enrollment was changed/);
    assert.equal(told.length, 2, 'the old address hears of its replacement');
    assert.ok(told[0]!.to.includes('second@example.test') && told[0]!.to.includes(mailOf(user)), 'with the new and the directory address');
  });
});

describe('factors', () => {
  test('an authenticator app bound and removed, recovery codes made: each is told', async () => {
    const user = await fixture.person();
    const client = await signedIn(user);
    const binding = await client.post('/me/totp', {});
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(binding.body)![1]!.replace(/ /g, '');
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    assert.match((await client.post('/me/totp/confirm', { code })).body, /Your authenticator app is set up/);
    assert.match((await theNotice(mailOf(user), /was added/)).text, /An authenticator app was added to your account .* from the address 198\.51\.100\.23/s);

    await client.post('/me/totp/remove', {});
    await client.post('/me/totp/remove', { confirm: 'yes' });
    assert.match((await theNotice(mailOf(user), /was removed/)).text, /An authenticator app was removed from your account/);

    await client.post('/me/recovery-codes', {});
    assert.match((await noticesTo(mailOf(user), /was added/)).map((notice) => notice.text).join('\n'), /A new set of recovery codes was added/);
  });
});

describe('the helpdesk', () => {
  test('a reset says the helpdesk did it, naming the operator only when the admin allows', async () => {
    const user = await fixture.person();
    const client = await operator();
    await nameOperator(false);
    const next = freshPassword();
    assert.match((await helpdeskAct(client, user, 'reset', { mode: 'typed', password: next, confirm: next })).body, /password was reset/i);
    const unnamed = await theNotice(mailOf(user), /helpdesk reset your/);
    assert.match(unnamed.text, /was reset on .* by the helpdesk\./s);
    assert.doesNotMatch(unnamed.text, new RegExp(`${facts.helpdesk.member}|operator|${OPERATOR_IP.replace(/\./g, '\\.')}`, 'i'), 'nobody named, no address');

    await nameOperator(true);
    try {
      const again = freshPassword();
      await helpdeskAct(client, user, 'reset', { mode: 'typed', password: again, confirm: again });
      const named = (await noticesTo(mailOf(user), /helpdesk reset your/)).find((notice) => /operator:/.test(notice.text));
      const member = await fixture.portal.app.directory.findUser(facts.helpdesk.member);
      assert.ok(named, 'the second notice names the operator');
      assert.match(named.text, new RegExp(`by the helpdesk \\(operator: ${member!.displayName ?? member!.samAccountName}\\)`));
    } finally {
      await nameOperator(false);
    }
  });

  test('an unlock and a cleared authenticator app are told', async () => {
    const user = await fixture.person();
    await lockInAd(user);
    const client = await operator();
    await helpdeskAct(client, user, 'unlock');
    assert.match((await theNotice(mailOf(user), /helpdesk unlocked your/)).text, /Your account .* was unlocked on .* by the helpdesk\./s);

    const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
    await fixture.portal.app.store.recoveryCodes.replace({ userGuid: guid, codeHashes: ['x'], now: Date.now() });
    await helpdeskAct(client, user, 'clear-recovery-codes');
    assert.match((await theNotice(mailOf(user), /helpdesk removed/)).text, /The set of recovery codes was removed from your account .* by the helpdesk\./s);
  });
});

describe('the admin decides', () => {
  test('a kind of notice turned off is not sent, and the texting of resets sends one text', async () => {
    const user = await fixture.person();
    const saved = await fixture.portal.app.admin.settings.save('notices', { change: false, smsOnReset: true }, EDITOR);
    assert.equal(saved.ok, true);
    fixture.portal.app.runtime.apply();
    try {
      const next = freshPassword();
      const client = webClient(fixture.portal.app.server, { ip: IP });
      await client.get('/change');
      await client.submit('/change', { username: user.sam, domain: '', oldPassword: user.password, newPassword: next, confirm: next });
      assert.equal((await noticesTo(mailOf(user), /password was changed/)).length, 0, 'no change notice');

      const desk = await operator();
      const texts = fixture.portal.twilio.sent.length;
      await helpdeskAct(desk, user, 'reset', { mode: 'generated' });
      await theNotice(mailOf(user), /helpdesk reset your/);
      const text = fixture.portal.twilio.sent.slice(texts).filter((sent) => sent.to === '+15550100999');
      assert.equal(text.length, 1, 'one text');
      assert.match(text[0]!.body, /password of your account .* was reset on .* by the helpdesk\. Not you\? Tell your helpdesk \(call 555-0100\)/);
    } finally {
      await fixture.portal.app.admin.settings.save('notices', {}, EDITOR);
      fixture.portal.app.runtime.apply();
    }
  });
});
