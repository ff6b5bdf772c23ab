/**
 * The helpdesk against the real Samba domain: a member of the helpdesk group acts on users of
 * the OUs assigned to that group, after verifying the caller; everything else — other OUs,
 * privileged accounts, non-members, crafted requests — is refused, audited, and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { activeOperator, signInToHelpdesk, userDetails } from '../../flows/helpdesk.ts';
import { limitKeys } from '../../flows/limit-keys.ts';
import { addMember, bindAs, createGroup, devDomain, freshPassword, readAttribute, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, answerAll, codeSentTo, enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

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
    const crafted = await client.post(
      `/helpdesk/users/${guid}/reset`,
      { mode: 'typed', password: 'Hijack-1234-x', confirm: 'Hijack-1234-x' },
      { csrf: csrfOf(page.body) ?? false },
    );
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
    assert.doesNotMatch(hidden.body, new RegExp(`${contractor.sam}<`));
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
    await fixture.portal.app.store.throttle.hit(limitKeys.portalLockout(guid), 60_000, Date.now());
    const client = await operator();
    await act(client, guid, 'clear-lockout');
    assert.equal(await fixture.portal.app.store.throttle.peek(limitKeys.portalLockout(guid), Date.now()), 0);
    await act(client, guid, 'clear-enrollment');
    assert.equal(await fixture.portal.app.store.enrollments.get(guid), null);
  });
});

test('ending a portal lockout lets the owner in again, whatever spelling the wrong answers came under', async () => {
  const user = await fixture.person();
  await enroll(webClient(fixture.portal.app.server), user);
  const guid = await guidOf(user.sam);
  const stranger = webClient(fixture.portal.app.server, { ip: '10.90.0.1' });
  await stranger.get('/reset');
  await stranger.submit('/reset', { username: `${facts.netbiosDomain}\\${user.sam}`, domain: '' });
  let page: Page | undefined;
  for (let i = 0; i < fixture.portal.config.protection.portalLockout.maxWrongAnswers; i++)
    page = await stranger.submit('/reset/answer', { answer: 'not the answer' });
  assert.match(page!.body, /paused for it/);
  await act(await operator(), guid, 'clear-lockout');
  const owner = webClient(fixture.portal.app.server, { ip: '10.90.0.2' });
  await owner.get('/reset');
  const first = await owner.submit('/reset', { username: user.sam, domain: '' });
  assert.match((await answerAll(owner, 'reset', first)).body, /Where should we send your code/);
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
      const crafted = await client.post(
        `/helpdesk/users/${guid}/${action}`,
        { mode: 'typed', password: next, confirm: next, on: '1', channel: 'email' },
        { csrf: csrfOf(page.body) ?? false },
      );
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

/** The questions on a user's page, and the right answers to them in the fields the page names. */
function rightAnswers(page: Page): Record<string, string> {
  const questions = [...page.body.matchAll(/<p class="question">([^<]+)<\/p>/g)].map((m) => m[1]!.replace(/&#39;/g, "'"));
  return Object.fromEntries(questions.map((question, i) => [`answer${i}`, ANSWERS[question]!]));
}

/** Another member of the helpdesk group, signed in. */
async function colleague(): Promise<WebClient> {
  const member = await fixture.person();
  await addMember(fixture.admin, facts.helpdesk.group, member.dn);
  return operator(member.sam, member.password);
}

describe('a rogue operator', () => {
  test('wrong answers count per account, whoever clears the lockout: after 10, even the right answers verify nobody', async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const guid = await guidOf(user.sam);
    const [rogue, other] = [await operator(), await colleague()];
    let ownClear: Page | undefined;
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 5; i++) await act(rogue, guid, 'check-answers', { answer0: 'wrong', answer1: 'wrong' });
      ownClear ??= await act(rogue, guid, 'clear-lockout');
      await act(other, guid, 'clear-lockout');
    }
    assert.equal(ownClear?.status, 409, 'the operator who is verifying the caller cannot end their lockout');
    assert.match(ownClear?.body ?? '', /You started verifying this caller/);
    const page = await rogue.get(`/helpdesk/users/${guid}`);
    assert.match(page.body, /Caller checks stopped/);
    const right = await rogue.post(`/helpdesk/users/${guid}/check-answers`, rightAnswers(page), { csrf: csrfOf(page.body) ?? false });
    assert.equal(right.status, 429);
    assert.match(right.body, /caller checks for it are stopped/);
    const reset = await act(rogue, guid, 'reset', { mode: 'generated' });
    assert.match(reset.body, /Verify the caller first/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
    const refused = await helpdeskAudit('refused');
    assert.ok(
      refused.some(
        (entry) => entry.target === user.sam && entry.actor === facts.helpdesk.member && /clear-lockout: verification in progress/.test(entry.detail ?? ''),
      ),
    );
  });

  test('new codes give no new tries: after 10 wrong codes over two codes, no third code is sent', async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = await operator();
    for (let send = 0; send < 2; send++) {
      const sent = await act(client, guid, 'send-code', { channel: 'email' });
      assert.match(sent.body, /A code was sent/);
      for (let i = 0; i < 5; i++) await client.post(`/helpdesk/users/${guid}/check-code`, { code: '000000' }, { csrf: csrfOf(sent.body) ?? false });
    }
    const third = await act(client, guid, 'send-code', { channel: 'email' });
    assert.equal(third.status, 429);
    assert.match(third.body, /caller checks for it are stopped/);
    assert.equal(fixture.portal.outbox.messages().filter((message) => message.to.includes(mailOf(user))).length, 2, 'only two codes were sent');
    assert.match((await act(client, guid, 'reset', { mode: 'generated' })).body, /Verify the caller first/);
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });

  test("the operator's own account, admins (also through a nested group) and other operators are refused for every tool, audited", async () => {
    const nested = await fixture.person();
    const group = await createGroup(fixture.admin, [nested.dn]);
    await addMember(fixture.admin, facts.admins.group, group);
    const peer = await fixture.person();
    await addMember(fixture.admin, facts.helpdesk.group, peer.dn);
    try {
      const client = await operator();
      const targets = { 'own account': facts.helpdesk.memberDn, admin: facts.admins.memberDn, 'nested admin': nested.dn, operator: peer.dn };
      const page = await client.get('/helpdesk');
      const next = freshPassword();
      for (const [who, dn] of Object.entries(targets)) {
        const sam = who === 'own account' ? facts.helpdesk.member : who === 'admin' ? facts.admins.member : who === 'nested admin' ? nested.sam : peer.sam;
        const guid = await guidOf(sam);
        const view = await client.get(`/helpdesk/users/${guid}`);
        assert.equal(view.status, 403, who);
        assert.match(view.body, who === 'own account' ? /do not work on your own account/ : /belongs to a Latchkey administrator or helpdesk operator/, who);
        for (const action of ['reset', 'unlock', 'must-change', 'clear-enrollment', 'clear-lockout', 'send-code', 'check-code', 'check-answers']) {
          const crafted = await client.post(
            `/helpdesk/users/${guid}/${action}`,
            { mode: 'typed', password: next, confirm: next, on: '1', channel: 'email', code: '000000' },
            { csrf: csrfOf(page.body) ?? false },
          );
          assert.equal(crafted.status, 403, `${action} on ${who}`);
        }
        assert.notEqual(await readAttribute(fixture.admin, dn, 'pwdLastSet'), '0', `${who}: not made to change the password`);
      }
      assert.equal(await bindAs(facts.admins.memberDn, facts.userPassword), 'ok', 'the admin keeps the password');
      const refused = await helpdeskAudit('refused');
      assert.ok(refused.some((entry) => entry.target === facts.helpdesk.member && entry.detail === 'reset: own account'));
      assert.ok(
        refused.some((entry) => entry.target === nested.sam && entry.detail === `reset: staff account (member of the admin group ${facts.admins.group})`),
      );
      assert.ok(
        refused.some((entry) => entry.target === peer.sam && entry.detail === `unlock: staff account (member of the helpdesk group ${facts.helpdesk.group})`),
      );
    } finally {
      await removeEntries(fixture.admin, [group]);
    }
  });

  test('the admin may let operators help the members of a helpdesk group; never the admins, never themselves', async () => {
    const peer = await fixture.person();
    await addMember(fixture.admin, facts.helpdesk.group, peer.dn);
    const { settings } = fixture.portal.app.runtime;
    const before = settings.current().helpdesk;
    const allow = (on: boolean) =>
      settings.save(
        'helpdesk',
        { ...before, groups: before.groups.map((entry) => ({ ...entry, membersMayBeHelped: on })) },
        { sam: 'test', guid: null, ip: '-' },
      );
    assert.ok((await allow(true)).ok);
    fixture.portal.app.runtime.apply();
    try {
      const client = await operator();
      assert.match((await act(client, await guidOf(peer.sam), 'must-change', { on: '1' })).body, /must change the password at next logon/);
      assert.equal(await bindAs(peer.dn, peer.password), '773');
      assert.equal((await client.get(`/helpdesk/users/${await guidOf(facts.helpdesk.member)}`)).status, 403, 'not the own account');
      // The admin group is configured as a helpdesk group too here, and it is allowed: admins stay refused.
      assert.equal((await client.get(`/helpdesk/users/${await guidOf(facts.admins.member)}`)).status, 403);
    } finally {
      await allow(false);
      fixture.portal.app.runtime.apply();
    }
  });

  test("the caller's questions are drawn at random from all the enrolled ones, and a reload does not draw again", async () => {
    const user = await fixture.person();
    await enroll(webClient(fixture.portal.app.server), user);
    const { ctx } = fixture.portal.app;
    const requester = { ip: '127.0.0.1' };
    const signedIn = await signInToHelpdesk(ctx, { name: facts.helpdesk.member, password: facts.userPassword }, requester);
    assert.ok(signedIn.ok);
    const desk = await activeOperator(ctx, signedIn.session, requester);
    const guid = await guidOf(user.sam);
    const first = (await userDetails(ctx, desk, guid, requester)).questions;
    assert.deepEqual((await userDetails(ctx, desk, guid, requester)).questions, first, 'the same questions until they are checked');
    const seen = new Set<number>();
    for (let draw = 0; draw < 30; draw++) {
      desk.session.questions = {};
      for (const question of (await userDetails(ctx, desk, guid, requester)).questions) seen.add(question.position);
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2], 'every enrolled question is asked sometimes');
  });
});
