/**
 * The helpdesk against the real Samba domain: a member of the helpdesk group acts on users of
 * the OUs assigned to that group, after verifying the caller; everything else — other OUs,
 * privileged accounts, non-members, crafted requests — is refused, audited, and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { addMember, bindAs, devDomain, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, codeSentTo, enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, webClient, type WebClient } from '../../testing/web-client.ts';

const facts = devDomain();
// Every test signs in from the same address: limits high enough not to be what is tested here.
const fixture = portalFixture({
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  helpdesk: {
    groups: [
      { group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] },
      // Another team's group and OU: its scope must not leak to members of the first.
      { group: facts.admins.group, scopes: [facts.ous.contractors] },
    ],
  },
});

const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;

async function operator(sam = facts.helpdesk.member, password = facts.userPassword): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/helpdesk');
  const page = await client.submit('/helpdesk/sign-in', { username: sam, domain: '', password });
  assert.match(page.body, /Find a user/, `${sam} is at the helpdesk`);
  return client;
}

async function guidOf(sam: string): Promise<string> {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  return user.guid;
}

/** Posts an action from the user's page, as the page's own form would. */
async function act(client: WebClient, guid: string, action: string, fields: Record<string, string> = {}): Promise<Page> {
  const page = await client.get(`/helpdesk/users/${guid}`);
  return client.post(`/helpdesk/users/${guid}/${action}`, fields, { csrf: csrfOf(page.body) ?? false });
}

async function verifyByCode(client: WebClient, user: TestUser, guid: string): Promise<Page> {
  const sent = await act(client, guid, 'send-code', { channel: 'email' });
  assert.match(sent.body, /A code was sent/);
  const code = await codeSentTo(mailOf(user), fixture.portal.outbox);
  return client.post(`/helpdesk/users/${guid}/check-code`, { code }, { csrf: csrfOf(sent.body) ?? false });
}

async function helpdeskAudit(action: string) {
  return fixture.portal.app.store.audit.query({ category: 'helpdesk', action });
}

describe('who gets in', () => {
  test('a plain user and a portal admin who is not in a helpdesk group are refused, and it is audited', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await client.get('/helpdesk');
    const page = await client.submit('/helpdesk/sign-in', { username: user.sam, domain: '', password: user.password });
    assert.match(page.body, /not a member of a helpdesk group/);
    assert.doesNotMatch((await client.get('/helpdesk')).body, /Find a user/);
    const refused = await helpdeskAudit('sign-in');
    assert.ok(refused.some((entry) => entry.actor === user.sam && entry.outcome === 'refused'));
  });

  test('without a helpdesk session, a crafted action is sent to the sign-in page and changes nothing', async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = webClient(fixture.portal.app.server);
    const page = await client.get('/helpdesk');
    const crafted = await client.post(`/helpdesk/users/${guid}/reset`, { mode: 'typed', password: 'Hijack-1234-x', confirm: 'Hijack-1234-x' }, { csrf: csrfOf(page.body) ?? false });
    assert.equal(crafted.status, 303);
    assert.equal(crafted.location, '/helpdesk');
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });

  test('a member who leaves the group is out at the next request', async () => {
    const member = await fixture.person();
    await addMember(fixture.admin, facts.helpdesk.group, member.dn);
    const client = await operator(member.sam, member.password);
    await fixture.admin.modify(facts.helpdesk.group, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [member.dn] }) }));
    const page = await client.get('/helpdesk?q=a');
    assert.equal(page.status, 303);
    assert.ok((await helpdeskAudit('refused')).some((entry) => entry.actor === member.sam && /no longer/.test(entry.detail ?? '')));
  });
});

describe('search', () => {
  test('finds users of the OUs assigned to the group, and only those', async () => {
    const staff = await fixture.person();
    const contractor = await fixture.person('contractors');
    const client = await operator();
    const found = await client.get(`/helpdesk?q=${staff.sam}`);
    assert.match(found.body, new RegExp(`>${staff.sam}<`));
    const hidden = await client.get(`/helpdesk?q=${contractor.sam}`);
    assert.doesNotMatch(hidden.body, new RegExp(contractor.sam + '<'));
    assert.match(hidden.body, /No user in your OUs matches/);
  });
});

describe('reset and unlock', () => {
  test('a reset needs a verified caller; then a generated password works and must be changed at next logon', async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = await operator();
    const unverified = await act(client, guid, 'reset', { mode: 'generated', mustChange: 'on' });
    assert.equal(unverified.status, 403);
    assert.match(unverified.body, /Verify the caller first/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');

    const wrong = await act(client, guid, 'send-code', { channel: 'email' });
    const wrongPage = await client.post(`/helpdesk/users/${guid}/check-code`, { code: '000000' }, { csrf: csrfOf(wrong.body) ?? false });
    assert.match(wrongPage.body, /not the code that was sent/);
    const verified = await verifyByCode(client, user, guid);
    assert.match(verified.body, /The caller is verified/);

    const done = await client.post(`/helpdesk/users/${guid}/reset`, { mode: 'generated', mustChange: 'on' }, { csrf: csrfOf(verified.body) ?? false });
    assert.match(done.body, /The password was reset/);
    const generated = /<p class="generated">([^<]+)<\/p>/.exec(done.body)?.[1];
    assert.ok(generated && generated.length >= 16, 'a long generated password is shown once');
    assert.equal(await bindAs(user.dn, generated.replace(/&#39;/g, "'")), '773', 'it works, and must be changed');
    const reset = (await helpdeskAudit('reset')).find((entry) => entry.target === user.sam && entry.outcome === 'success');
    assert.ok(reset);
    assert.equal(reset.actor, facts.helpdesk.member);
    assert.match(reset.detail ?? '', /caller verified: yes/);
    assert.ok(!JSON.stringify(await fixture.portal.app.store.audit.query({})).includes(generated), 'the password is in no audit entry');
    assert.ok(!fixture.portal.logLines.join('').includes(generated), 'nor in the log');
  });

  test('a typed password, after the caller answered the security questions', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const guid = await guidOf(user.sam);
    const client = await operator();
    const page = await client.get(`/helpdesk/users/${guid}`);
    const questions = [...page.body.matchAll(/<p class="question">([^<]+)<\/p>/g)].map((m) => m[1]!.replace(/&#39;/g, "'"));
    assert.equal(questions.length, 2);
    const fields = Object.fromEntries(questions.map((question, i) => [`answer${i}`, ANSWERS[question]!]));
    const checked = await client.post(`/helpdesk/users/${guid}/check-answers`, fields, { csrf: csrfOf(page.body) ?? false });
    assert.match(checked.body, /The caller is verified/);
    const next = freshPassword();
    const done = await client.post(`/helpdesk/users/${guid}/reset`, { mode: 'typed', password: next, confirm: next }, { csrf: csrfOf(checked.body) ?? false });
    assert.match(done.body, /The password was reset/);
    assert.equal(await bindAs(user.dn, next), 'ok', 'without must-change ticked, the password is ready to use');
  });

  test('an in-scope locked account is unlocked', async () => {
    const user = await fixture.person();
    for (let i = 0; i < 5; i++) await bindAs(user.dn, 'Wrong-password-1');
    assert.equal(await bindAs(user.dn, user.password), '775');
    const client = await operator();
    const page = await act(client, await guidOf(user.sam), 'unlock');
    assert.match(page.body, /The account was unlocked/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });

  test('must change at next logon is set and cleared', async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = await operator();
    await act(client, guid, 'must-change', { on: '1' });
    assert.equal(await bindAs(user.dn, user.password), '773');
    await act(client, guid, 'must-change', { on: '0' });
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });

  test('an enrollment and a portal lockout are cleared', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const guid = await guidOf(user.sam);
    await fixture.portal.app.store.throttle.hit(`answers:${guid}`, 60_000, Date.now());
    const client = await operator();
    await act(client, guid, 'clear-lockout');
    assert.equal(await fixture.portal.app.store.throttle.peek(`answers:${guid}`, Date.now()), 0);
    await act(client, guid, 'clear-enrollment');
    assert.equal(await fixture.portal.app.store.enrollments.get(guid), null);
  });
});

describe('refusals, enforced on the server', () => {
  test("a user of another helpdesk group's OU is out of scope: refused, audited, unchanged", async () => {
    const contractor = await fixture.person('contractors');
    const guid = await guidOf(contractor.sam);
    const client = await operator();
    const view = await client.get(`/helpdesk/users/${guid}`);
    assert.equal(view.status, 403);
    assert.match(view.body, /outside the OUs your helpdesk group may manage/);
    const next = freshPassword();
    const page = await client.get('/helpdesk');
    for (const action of ['reset', 'unlock', 'must-change', 'clear-enrollment', 'send-code']) {
      const crafted = await client.post(`/helpdesk/users/${guid}/${action}`, { mode: 'typed', password: next, confirm: next, on: '1', channel: 'email' }, { csrf: csrfOf(page.body) ?? false });
      assert.equal(crafted.status, 403, action);
    }
    assert.equal(await bindAs(contractor.dn, contractor.password), 'ok');
    const refused = await helpdeskAudit('refused');
    assert.ok(refused.some((entry) => entry.target === contractor.sam && /out of scope/.test(entry.detail ?? '')));
  });

  test('a privileged account in scope is refused unless the admin allows it', async () => {
    const guid = await guidOf(facts.protectedUser.sam);
    const client = await operator();
    const view = await client.get(`/helpdesk/users/${guid}`);
    assert.equal(view.status, 403);
    assert.match(view.body, /privileged account/);
    const page = await client.get('/helpdesk');
    const crafted = await client.post(`/helpdesk/users/${guid}/unlock`, {}, { csrf: csrfOf(page.body) ?? false });
    assert.equal(crafted.status, 403);
    assert.equal(await bindAs(facts.protectedUser.dn, facts.userPassword), 'ok');
  });

  test('an action without the CSRF token is refused', async () => {
    const user = await fixture.person();
    const client = await operator();
    const page = await client.post(`/helpdesk/users/${await guidOf(user.sam)}/must-change`, { on: '1' }, { csrf: false });
    assert.equal(page.status, 403);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });
});
