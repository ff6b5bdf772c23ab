/**
 * The channel page when it comes before anything is proven (code-only verification): the same
 * choices, order and masking for every name, real or not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { portalFixture, type PortalFixture } from '../../testing/portal.ts';
import { type Page, webClient, type WebClient } from '../../testing/web-client.ts';

const facts = devDomain();
const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;

/** The choices of a channel page: which channels, in which order, and what each shows. */
function choices(page: Page): { channel: string; masked: string }[] {
  return [...page.body.matchAll(/id="channel-(\w+)"[^>]*>\s*<label[^>]*>(?:E-mail|Text message) to ([^<]+)</g)].map(([, channel, masked]) => ({ channel: channel!, masked: masked! }));
}

/** A page with the per-request token and the contents of the masked addresses blanked. */
function shape(page: Page): string {
  return page.body
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"')
    .replace(/(E-mail|Text message) to [^<]+</g, '$1 to …<');
}

/** The masking formats: one visible character (or none) and five bullets at the domain; "+", seven bullets, four digits. */
const MASKS = { email: new RegExp(`^[^•@]?•{5}@${facts.dnsDomain.replace(/\./g, '\\.')}$`), sms: /^\+•{7}\d{4}$/ };

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
      assert.deepEqual(choices(page).map(({ channel }) => channel), ['email', 'sms'], kind);
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
