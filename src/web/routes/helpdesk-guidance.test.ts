/**
 * The helpdesk's pages say what happens, in words, against the real Samba domain: protected
 * accounts are marked in the search and refused on a page of their own; a reset before the
 * caller is verified is refused next to the reset form; the user's activity lists what operators
 * did to the account; and "password last set" shows a reset at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatsFor } from '../../i18n/format.ts';
import { bindAs, devDomain } from '../../testing/dev-domain.ts';
import { codeSentTo } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture({
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
});

async function operator(): Promise<WebClient> {
  const client = webClient(fixture.portal.app.server);
  await client.get('/helpdesk');
  const page = await client.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword });
  assert.match(page.body, /Find a user/);
  return client;
}

async function guidOf(sam: string): Promise<string> {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  return user.guid;
}

describe('protected accounts', () => {
  test('are marked protected in the search, and a click says why in words, not "Something went wrong"', async () => {
    const client = await operator();
    const found = await client.get(`/helpdesk?q=${facts.protectedUser.sam}`);
    const row = new RegExp(`<tr class="refused">[\\s\\S]*?>${facts.protectedUser.sam}</a> <strong class="badge">Protected</strong>`);
    assert.match(found.body, row);
    assert.match(found.body, /Privileged account: the helpdesk may not change it/);
    const view = await client.get(`/helpdesk/users/${await guidOf(facts.protectedUser.sam)}`);
    assert.equal(view.status, 403);
    assert.match(view.body, /<h1>This account is protected<\/h1>/);
    assert.match(view.body, /Ask a domain administrator/);
    assert.match(view.body, /href="\/helpdesk">Back to the search/);
    assert.doesNotMatch(view.body, /Something went wrong/);
  });

  test('an ordinary account in the same search is not marked', async () => {
    const user = await fixture.person();
    const client = await operator();
    const found = await client.get(`/helpdesk?q=${user.sam}`);
    assert.match(found.body, new RegExp(`>${user.sam}</a></td>`));
    assert.doesNotMatch(found.body, /class="badge"/);
  });
});

describe("the user's page", () => {
  test('a reset before the caller is verified is refused on the same page, next to the reset form', async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = await operator();
    const page = await client.get(`/helpdesk/users/${guid}`);
    const refused = await client.post(`/helpdesk/users/${guid}/reset`, { mode: 'generated', mustChange: 'on' }, { csrf: csrfOf(page.body) ?? false });
    assert.equal(refused.status, 403);
    assert.match(
      refused.body,
      /<section class="panel" id="reset">\s*<h2>Reset the password<\/h2>\s*<p class="message critical" id="reset-refused">Verify the caller first/,
    );
    assert.match(refused.body, /id="verify"/, 'the verification tools are on the page');
    assert.equal(await bindAs(user.dn, user.password), 'ok', 'nothing was changed');
  });

  test("after a reset the activity lists the operator's actions and the password shows as set just now", async () => {
    const user = await fixture.person();
    const guid = await guidOf(user.sam);
    const client = await operator();
    const page = await client.get(`/helpdesk/users/${guid}`);
    const sent = await client.post(`/helpdesk/users/${guid}/send-code`, { channel: 'email' }, { csrf: csrfOf(page.body) ?? false });
    const code = await codeSentTo(`${user.sam}@${facts.dnsDomain}`, fixture.portal.outbox);
    const verified = await client.post(`/helpdesk/users/${guid}/check-code`, { code }, { csrf: csrfOf(sent.body) ?? false });
    const before = Date.now();
    // Must change at next logon: AD sets pwdLastSet to 0, which reads as "never".
    const done = await client.post(`/helpdesk/users/${guid}/reset`, { mode: 'generated', mustChange: 'on' }, { csrf: csrfOf(verified.body) ?? false });
    assert.match(done.body, /The password was reset/);
    const shown = /Password last set: ([^<]*)</.exec(done.body)?.[1];
    // The minute of the reset (or the next, if one began meanwhile), as the page's language writes it.
    const minutes = [0, 1, 2].map((n) => formatsFor('en').dateTime(before + n * 60_000));
    assert.ok(shown && minutes.includes(shown), `"${shown}" is the time of the reset, not "never"`);
    const activity = done.body.slice(done.body.indexOf('Recent activity'));
    assert.match(activity, new RegExp(`Password reset · done · by [^<]*\\(${facts.helpdesk.member}\\)`, 'i'));
    assert.match(activity, /Caller verification · done · by/i);
    assert.doesNotMatch(activity, /Account viewed/, "the operator's views do not crowd the list");
  });
});
