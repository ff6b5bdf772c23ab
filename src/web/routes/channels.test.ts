/**
 * The channel page when it comes before anything is proven (code-only verification, or the code
 * first with auto-enrollment): the same choices, order and masking for every name, real or
 * not, and an account that never enrolled verifying by a code to its directory address.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindAs, devDomain, freshPassword } from '../../testing/dev-domain.ts';
import { answerAll, codeSentTo, enroll } from '../../testing/journeys.ts';
import { type PortalFixture, portalFixture } from '../../testing/portal.ts';
import { type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;

/** The choices of a channel page: which channels, in which order, and what each shows. */
function choices(page: Page): { channel: string; masked: string }[] {
  return [...page.body.matchAll(/id="channel-(\w+)"[^>]*>\s*<label[^>]*>(?:E-mail|Text message) to ([^<]+)</g)].map(([, channel, masked]) => ({
    channel: channel!,
    masked: masked!,
  }));
}

/** A page with the per-request token and the contents of the masked addresses blanked. */
function shape(page: Page): string {
  return page.body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"').replace(/(E-mail|Text message) to [^<]+</g, '$1 to …<');
}

/** The masking formats: one visible character (or none) and five bullets at the domain; "+", seven bullets, four digits. */
/** Before proof an e-mail address shows nothing of itself (its letters and domain would tell a real one); a number its last four digits. */
const MASKS = { email: /^•{5}@•{5}$/, sms: /^\+•{7}\d{4}$/ };

async function start(fixture: PortalFixture, name: string, ip: string): Promise<{ client: WebClient; page: Page }> {
  const client = webClient(fixture.portal.app.server, { ip });
  await client.get('/reset');
  return { client, page: await client.submit('/reset', { username: name, domain: '' }) };
}

async function enrollInStore(fixture: PortalFixture, sam: string, contacts: { email: string | null; mobile: string | null }) {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  await fixture.portal.app.store.enrollments.save({ userGuid: user.guid, username: sam, ...contacts, answers: [], now: Date.now() });
}

describe('code-only verification', () => {
  const fixture = portalFixture({ verification: { questionsToAsk: 0 }, protection: { perIp: { max: 1000 } } });

  test('a user with only e-mail, a user with both, a user with only a mobile and an unknown name see the same channel page', async () => {
    const emailOnly = await fixture.person();
    const both = await fixture.person();
    const mobileOnly = await fixture.person();
    await enrollInStore(fixture, emailOnly.sam, { email: mailOf(emailOnly), mobile: null });
    await enrollInStore(fixture, both.sam, { email: mailOf(both), mobile: '+15550177002' });
    await enrollInStore(fixture, mobileOnly.sam, { email: null, mobile: '+15550177003' });
    const names = { emailOnly: emailOnly.sam, both: both.sam, mobileOnly: mobileOnly.sam, unknown: 't-nobody-by-this-name' };
    const pages: Record<string, Page> = {};
    for (const [kind, name] of Object.entries(names)) pages[kind] = (await start(fixture, name, '10.30.0.1')).page;

    const reference = pages.unknown!;
    assert.match(reference.body, /Where should we send your code/);
    for (const [kind, page] of Object.entries(pages)) {
      assert.equal(page.status, reference.status, kind);
      assert.equal(shape(page), shape(reference), kind);
      assert.deepEqual(
        choices(page).map(({ channel }) => channel),
        ['email', 'sms'],
        kind,
      );
      for (const { channel, masked } of choices(page)) assert.match(masked, MASKS[channel as 'email' | 'sms'], `${kind}: ${channel}`);
    }
    assert.equal(choices(pages.both!)[1]!.masked, '+•••••••7002', 'a real number is shown as itself');
    // Without a known address, a real user is shown what a decoy of the same initial is shown.
    assert.equal(choices(pages.mobileOnly!)[0]!.masked, choices(reference)[0]!.masked);
  });

  test('choosing a channel the account lacks shows the code page, as in a decoy; nothing is sent, and it is audited', async () => {
    const emailOnly = await fixture.person();
    await enrollInStore(fixture, emailOnly.sam, { email: mailOf(emailOnly), mobile: null });
    const texts = fixture.portal.twilio.sent.length;
    const mails = fixture.portal.outbox.messages().length;
    const real = await start(fixture, emailOnly.sam, '10.30.0.2');
    const decoy = await start(fixture, 't-nobody-either', '10.30.0.2');
    const realCode = await real.client.submit('/reset/send', { channel: 'sms' });
    const decoyCode = await decoy.client.submit('/reset/send', { channel: 'sms' });
    assert.match(realCode.body, /Enter your code/);
    assert.equal(shape(realCode), shape(decoyCode));
    assert.equal(fixture.portal.twilio.sent.length, texts, 'no text message');
    assert.equal(fixture.portal.outbox.messages().length, mails, 'no e-mail');
    const refused = await fixture.portal.app.store.audit.query({ action: 'send-no-address' });
    assert.ok(refused.some((entry) => entry.actor === emailOnly.sam && entry.outcome === 'refused' && entry.detail === 'sms: no address on file'));
    assert.match((await real.client.submit('/reset/code', { code: '123456' })).body, /That code is not correct/);
  });
});

describe('auto-enrollment with questions configured', () => {
  const fixture = portalFixture({ enrollment: { autoEnroll: true }, protection: { perIp: { max: 1000 } } });

  test('every name starts with the same channel page: never enrolled, enrolled, unknown', async () => {
    assert.ok(fixture.portal.config.verification.questionsToAsk > 0);
    const never = await fixture.person();
    const enrolled = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), enrolled);
    const pages = await Promise.all(
      [never.sam, enrolled.sam, 'nobody-by-this-name'].map(async (name, i) => (await start(fixture, name, `10.31.0.${i + 1}`)).page),
    );
    for (const page of pages) {
      assert.match(page.body, /Where should we send your code/);
      assert.equal(shape(page), shape(pages[0]!));
    }
  });

  test("a user who never enrolled resets with a code sent to the directory's mail address alone", async () => {
    const user = await fixture.person();
    const { client, page } = await start(fixture, user.sam, '10.31.1.1');
    assert.equal(choices(page)[0]!.masked, '•••••@•••••', "before proof, nothing of the directory's address shows");
    assert.match((await client.submit('/reset/send', { channel: 'email' })).body, /Enter your code/);
    const passwordPage = await client.submit('/reset/code', { code: await codeSentTo(mailOf(user), fixture.portal.outbox) });
    assert.match(passwordPage.body, /Choose your new password/);
    const next = freshPassword();
    assert.match((await client.submit('/reset/password', { password: next, confirm: next })).body, /has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('an enrolled user answers the questions after the code', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const { client } = await start(fixture, user.sam, '10.31.2.1');
    await client.submit('/reset/send', { channel: 'email' });
    const question = await client.submit('/reset/code', { code: await codeSentTo(mailOf(user), fixture.portal.outbox) });
    assert.match(question.body, /class="question"/, 'the code alone does not verify an enrolled account');
    assert.match((await client.submit('/reset/answer', { answer: 'not the answer' })).body, /That answer is not correct/);
    const passwordPage = await answerAll(client, 'reset', client.last!);
    assert.match(passwordPage.body, /Choose your new password/);
  });
});
