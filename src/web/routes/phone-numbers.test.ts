/**
 * Mobile numbers through the real pages, with texts to the Twilio stand-in: one rule for
 * enrollment, reset, the helpdesk and `/me`. A number typed without its country code is refused
 * until the admin sets a default region, then read in it; a number stored in an older form
 * (not E.164) still gets its code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { saveSettings } from '../../testing/admin-console.ts';
import { devDomain, freshPassword, readAttribute, type TestUser } from '../../testing/dev-domain.ts';
import { codeSentTo, enroll, verify } from '../../testing/journeys.ts';
import { type PortalFixture, portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;
/** Every test signs in from one address: limits high enough not to be what is tested here. */
const limits = { protection: { perIp: { max: 1000 }, perUser: { max: 100 } } };

/** The enrollment questions page, signed in as `user`. */
async function questionsPage(fixture: PortalFixture, user: TestUser): Promise<{ client: WebClient; page: Page }> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/enroll');
  const page = await client.submit('/enroll', { username: user.sam, domain: '', password: user.password });
  assert.match(page.body, /Your security questions/);
  return { client, page };
}

/** A whole reset with the code sent by text to `number` (E.164), to the page that says it is done. */
async function resetByText(fixture: PortalFixture, user: TestUser, number: string): Promise<void> {
  const client = webClient(fixture.portal.app.server);
  const passwordPage = await verify(client, 'reset', user, { channel: 'sms', address: number, outbox: fixture.portal.outbox, twilio: fixture.portal.twilio });
  assert.match(passwordPage.body, /Choose your new password/, `verified by a code texted to ${number}`);
  const next = freshPassword();
  const done = await client.submit('/reset/password', { password: next, confirm: next });
  assert.match(done.body, /Your password has been changed/);
}

async function guidOf(fixture: PortalFixture, sam: string): Promise<string> {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  return user.guid;
}

describe('without a default region, then with one set in the console', () => {
  const fixture = portalFixture(limits);

  test('a number without its country code is refused at enrollment, in words that say what to type', async () => {
    const user = await fixture.person();
    const { client } = await questionsPage(fixture, user);
    const refused = await client.submit('/enroll/questions', { email: mailOf(user), mobile: '555 010 0999' });
    assert.match(refused.body, /Add the country code: start the number with \+ and the country code/);
    assert.match(refused.body, /id="mobile"[^>]*aria-invalid="true"/);
    assert.equal(await fixture.portal.app.store.enrollments.get(await guidOf(fixture, user.sam)), null, 'nothing was stored');
  });

  test('the admin sets the region (a code that is no country refused on its field); then 555 010 0999 enrolls, and the reset code arrives by text', async () => {
    const console = webClient(fixture.portal.app.server);
    await console.get('/admin');
    assert.match((await console.submit('/admin/sign-in', { username: facts.admins.member, domain: '', password: facts.userPassword })).body, /Dashboard/);
    const bad = await saveSettings(console, 'phone', { 'field:defaultRegion': 'UK' });
    assert.match(bad.body, /Country of numbers without a country code[^<]*must be a two-letter country code/);
    assert.match(bad.body, /id="field:defaultRegion"[^>]*aria-invalid="true"/);
    assert.equal(fixture.portal.app.runtime.settings.current().phone.defaultRegion, undefined);
    const saved = await saveSettings(console, 'phone', { 'field:defaultRegion': 'us' });
    assert.match(saved.body, /Saved/);
    assert.equal(fixture.portal.app.runtime.settings.current().phone.defaultRegion, 'US');
    const audited = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });
    assert.ok(
      audited.some((entry) => entry.detail === 'phone.defaultRegion: undefined → "US"'),
      JSON.stringify(audited.map((entry) => entry.detail)),
    );

    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user, { email: mailOf(user), mobile: '555 010 0999' });
    const enrollment = await fixture.portal.app.store.enrollments.get(await guidOf(fixture, user.sam));
    assert.equal(enrollment?.mobile, '+15550100999', 'stored as E.164');
    await resetByText(fixture, user, '+15550100999');
  });
});

describe('with the default region US', () => {
  const fixture = portalFixture({
    ...limits,
    phone: { defaultRegion: 'US' },
    helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
  });

  test('a number stored in an older form (555 010 0997, straight into the enrollment store) still gets its reset code', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user, { email: mailOf(user), mobile: '' });
    const enrollments = fixture.portal.app.store.enrollments;
    const enrolled = await enrollments.get(await guidOf(fixture, user.sam));
    assert.ok(enrolled);
    await enrollments.save({ ...enrolled, mobile: '555 010 0997', now: Date.now() });
    await resetByText(fixture, user, '+15550100997');
    assert.equal((await enrollments.get(enrolled.userGuid))?.mobile, '555 010 0997', 'reading it changed nothing stored');
  });

  test('the helpdesk texts a caller code to a directory number in national form', async () => {
    const user = await fixture.person();
    await fixture.admin.modify(user.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'mobile', values: ['(555) 010-0998'] }) }));
    const guid = await guidOf(fixture, user.sam);
    const client = webClient(fixture.portal.app.server);
    await client.get('/helpdesk');
    assert.match((await client.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword })).body, /Find a user/);
    const details = await client.get(`/helpdesk/users/${guid}`);
    assert.match(details.body, /\+•••••••0998/, 'offered, masked as every number is');
    const sent = await client.post(`/helpdesk/users/${guid}/send-code`, { channel: 'sms' }, { csrf: csrfOf(details.body) ?? false });
    assert.match(sent.body, /A code was sent/);
    const code = await codeSentTo('+15550100998', fixture.portal.outbox, fixture.portal.twilio);
    const checked = await client.post(`/helpdesk/users/${guid}/check-code`, { code }, { csrf: csrfOf(sent.body) ?? false });
    assert.match(checked.body, /The caller is verified/);
  });

  test('/me writes a mobile number typed in national form as E.164, and explains one it cannot read in the region’s own form', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await client.get('/me');
    assert.match((await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password })).body, /Your account/);
    const refused = await client.submit('/me/profile', { 'attr.mobile': '555 010' });
    assert.match(refused.body, /Enter a mobile number, for example \(201\) 555-0123/);
    assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+15550100999');
    const landline = await client.submit('/me/profile', { 'attr.mobile': '1-800-555-0199' });
    assert.match(landline.body, /landline or service number/);
    const saved = await client.submit('/me/profile', { 'attr.mobile': '(555) 010-0996' });
    assert.match(saved.body, /Your details were saved/);
    assert.equal(await readAttribute(fixture.admin, user.dn, 'mobile'), '+15550100996');
    const unchanged = await client.submit('/me/profile', { 'attr.mobile': '555 010 0996' });
    assert.match(unchanged.body, /Nothing was changed/, 'the same number in another form is no change');
    const edits = (await fixture.portal.app.store.audit.query({ category: 'self-service', action: 'profile-edit' })).filter(
      (entry) => entry.actor === user.sam && entry.outcome === 'success',
    );
    assert.equal(edits.length, 1);
    assert.match(edits[0]!.detail ?? '', /mobile: "\+15550100999" → "\+15550100996"/);
  });
});
