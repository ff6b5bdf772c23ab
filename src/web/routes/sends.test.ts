/**
 * Message bombing, attacked through the real pages: many flows, many accounts and the helpdesk
 * asking for codes to one phone or one mailbox. The text messages the Twilio stand-in receives
 * and the e-mails the SMTP server receives are counted; past a cap the pages look as if a code
 * was sent, nothing is, and the refusal is audited.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { devDomain, type TestUser } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
/** The mobile number every throwaway user of the dev domain has in the directory. */
const DIRECTORY_MOBILE = '+15550100999';
/** The default cap per destination and per account, in an hour. */
const perHour = 5;

// Code-only verification with auto-enrollment: anyone who types a name reaches the channel page,
// so nothing but the caps stands between an attacker and the owner's phone.
const fixture = portalFixture({
  verification: { questionsToAsk: 0 },
  enrollment: { autoEnroll: true },
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
});

const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;
const textsTo = (number: string) => fixture.portal.twilio.sent.filter((text) => text.to === number).length;
const mailsTo = (address: string) => fixture.portal.outbox.messages().filter((message) => message.to.includes(address)).length;

/** A code page with its per-request token blanked. */
const shape = (page: Page) => page.body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"');

async function channelPage(name: string, ip: string): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server, { ip });
  await client.get('/reset');
  const page = await client.submit('/reset', { username: name, domain: '' });
  assert.match(page.body, /Where should we send your code/);
  return client;
}

async function guidOf(sam: string): Promise<string> {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  return user.guid;
}

async function refusals(action: string, category: 'self-service' | 'helpdesk' = 'self-service') {
  return fixture.portal.app.store.audit.query({ action, category });
}

describe('caps per destination', () => {
  test('five accounts with one mobile number, two texts asked in each flow: the phone gets five in the hour', async () => {
    assert.deepEqual([fixture.portal.config.codes.perDestination.perHour, fixture.portal.config.codes.perAccount.perHour], [perHour, perHour]);
    const victims: TestUser[] = [];
    for (let i = 0; i < 5; i++) victims.push(await fixture.person());
    const pages: Page[] = [];
    for (const [i, victim] of victims.entries()) {
      const client = await channelPage(victim.sam, `10.20.0.${i + 1}`);
      for (let send = 0; send < 2; send++) pages.push(await client.submit('/reset/send', { channel: 'sms' }));
    }
    assert.equal(textsTo(DIRECTORY_MOBILE), perHour, 'ten asked for, five sent');
    const sent = shape(pages[0]!);
    assert.match(sent, /Enter your code/);
    for (const [i, page] of pages.entries()) {
      assert.equal(page.status, 200, `send ${i + 1}`);
      assert.equal(shape(page), sent, `send ${i + 1} shows the page of a sent code`);
    }
    const capped = await refusals('send-capped');
    assert.equal(capped.length, 10 - perHour);
    assert.ok(capped.every((entry) => entry.outcome === 'refused' && entry.detail === 'sms: per destination and hour'));
    assert.ok(capped.every((entry) => victims.some((victim) => victim.sam === entry.actor)));
    assert.ok(
      capped.every((entry) => !JSON.stringify(entry).includes(DIRECTORY_MOBILE)),
      'the number is not in the audit',
    );
  });

  test('three accounts enrolled with one mailbox, however its address is spelled: it gets five e-mails in the hour', async () => {
    const shared = `shared-${Date.now()}@${facts.dnsDomain}`;
    const owners: TestUser[] = [];
    for (const spelling of [shared, shared.toUpperCase(), ` ${shared} `]) {
      const owner = await fixture.person();
      await fixture.portal.app.store.enrollments.save({
        userGuid: await guidOf(owner.sam),
        username: owner.sam,
        email: spelling,
        mobile: null,
        answers: [],
        now: Date.now(),
      });
      owners.push(owner);
    }
    for (const [i, owner] of owners.entries()) {
      const client = await channelPage(owner.sam, `10.21.0.${i + 1}`);
      for (let send = 0; send < 3; send++) assert.match((await client.submit('/reset/send', { channel: 'email' })).body, /Enter your code/);
    }
    const received = fixture.portal.outbox.messages().filter((message) => message.to.some((to) => to.toLowerCase().trim() === shared)).length;
    assert.equal(received, perHour, 'nine asked for, five sent');
    assert.ok((await refusals('send-capped')).some((entry) => entry.actor === owners[2]!.sam && entry.detail === 'email: per destination and hour'));
  });
});

describe('caps per account', () => {
  test('switching between e-mail and text message does not double what one account can be sent', async () => {
    const owner = await fixture.person();
    const mobile = '+15550177001';
    await fixture.portal.app.store.enrollments.save({
      userGuid: await guidOf(owner.sam),
      username: owner.sam,
      email: mailOf(owner),
      mobile,
      answers: [],
      now: Date.now(),
    });
    const client = await channelPage(owner.sam, '10.22.0.1');
    for (let send = 0; send < 8; send++) assert.match((await client.submit('/reset/send', { channel: send % 2 ? 'sms' : 'email' })).body, /Enter your code/);
    assert.equal(mailsTo(mailOf(owner)) + textsTo(mobile), perHour);
    assert.ok((await refusals('send-capped')).some((entry) => entry.actor === owner.sam && /per account and hour/.test(entry.detail ?? '')));
  });
});

describe('the helpdesk', () => {
  async function operator(): Promise<WebClient> {
    const client = webClient(fixture.portal.app.server, { ip: '10.23.0.1' });
    await client.get('/helpdesk');
    assert.match((await client.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword })).body, /Find a user/);
    return client;
  }

  async function sendCallerCode(client: WebClient, guid: string): Promise<Page> {
    const page = await client.get(`/helpdesk/users/${guid}`);
    return client.post(`/helpdesk/users/${guid}/send-code`, { channel: 'email' }, { csrf: csrfOf(page.body) ?? false });
  }

  test('caller codes count against the same caps as the public pages, and the operator is told when one is reached', async () => {
    const caller = await fixture.person();
    const guid = await guidOf(caller.sam);
    const flow = await channelPage(caller.sam, '10.23.0.2');
    for (let send = 0; send < perHour - 1; send++) await flow.submit('/reset/send', { channel: 'email' });
    const desk = await operator();
    assert.match((await sendCallerCode(desk, guid)).body, /A code was sent/);
    assert.equal(mailsTo(mailOf(caller)), perHour);
    const refused = await sendCallerCode(desk, guid);
    assert.equal(refused.status, 429);
    assert.match(refused.body, /Too many codes were sent to this person recently/);
    assert.match((await flow.submit('/reset/send', { channel: 'email' })).body, /Enter your code/);
    assert.equal(mailsTo(mailOf(caller)), perHour, 'neither the operator nor the public page sent a sixth');
    const audited = await refusals('send-capped', 'helpdesk');
    assert.ok(
      audited.some(
        (entry) => entry.actor === facts.helpdesk.member && entry.target === caller.sam && entry.detail === 'code by email: per destination and hour',
      ),
    );
  });
});
