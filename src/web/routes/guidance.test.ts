/**
 * Pages that guide a person on a bad morning, through the real routes and the dev domain: errors
 * beside their fields and in a summary that takes the focus, an empty form told what it lacks,
 * enrollment errors that name their question, the tries left (the same for every name), where the
 * flow stands, a Cancel and the admin's helpdesk text on every page that asks for a proof, and
 * done pages shown once, after a redirect, with what to do next.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { saveSettings } from '../../testing/admin-console.ts';
import { devDomain, freshPassword } from '../../testing/dev-domain.ts';
import { answerFields, enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { type Page, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });

let address = 0;
const client = () => webClient(fixture.portal.app.server, { ip: `10.71.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

/** A page with the per-request token, the echoed name and the question blanked. */
const blank = (page: Page, name: string) =>
  page.body
    .replace(/name="_csrf" value="[^"]+"/g, '')
    .replaceAll(`value="${name}"`, 'value="…"')
    .replace(/<p class="question">[^<]+<\/p>/g, '<p class="question">…</p>');

describe('errors that guide', () => {
  test('an empty change form says "Enter your username", beside the field and in a summary that takes the focus', async () => {
    const person = client();
    await person.get('/change');
    const page = await person.submit('/change', { username: '', domain: '', oldPassword: '', newPassword: '', confirm: '' });
    assert.doesNotMatch(page.body, /not correct/, 'nothing was tried');
    assert.match(page.body, /<title>Error: Change your password/);
    assert.match(page.body, /<div class="errors" role="alert" tabindex="-1" autofocus/);
    assert.match(page.body, /<li><a href="#username">Enter your username\.<\/a><\/li>/);
    assert.match(page.body, /<p class="field-error" id="username-error">.*Enter your username\./);
    assert.match(page.body, /<input type="text" id="username" [^>]*aria-invalid="true" aria-describedby="username-error">/);
    assert.match(page.body, /<p class="field-error" id="oldPassword-error">.*Enter your current password\./);
    assert.doesNotMatch(page.body, /id="username"[^>]*autofocus/, 'the summary, not the field, takes the focus');
  });

  test('a refused sign-in links "My account is locked" to Unlock, beside the password', async () => {
    const user = await fixture.person();
    const person = client();
    await person.get('/enroll');
    const page = await person.submit('/enroll', { username: user.sam, domain: '', password: 'Not-the-password-1' });
    assert.match(page.body, /<p class="field-error" id="password-error">.*<a href="\/unlock">My account is locked<\/a>/);
  });

  test('enrollment offers the work address without filling it in, asks each answer twice and names the question of each error', async () => {
    const user = await fixture.person();
    const person = client();
    await person.get('/enroll');
    assert.match((await person.get('/enroll')).body, /Step 1 of 2/);
    const questions = await person.submit('/enroll', { username: user.sam, domain: '', password: user.password });
    assert.match(questions.body, /Step 2 of 2/);
    const work = `${user.sam}@${facts.dnsDomain}`;
    assert.match(questions.body, /<input type="email" id="email" name="email" value="" autocomplete="email" list="email-on-file"/);
    assert.match(questions.body, new RegExp(`<datalist id="email-on-file"><option value="${work}"></option></datalist>`));
    assert.match(questions.body, /locked out of Windows: your work mailbox is locked too/);
    assert.match(questions.body, /<button type="button" class="reveal" data-reveal="answer0" [^>]*hidden>Show answer 1<\/button>/, 'a toggle, shown by script');
    const refused = await person.submit('/enroll/questions', {
      ...answerFields(),
      answerConfirm1: 'something else',
      answer2: 'ab',
      answerConfirm2: 'ab',
      email: work,
      mobile: '',
    });
    assert.match(refused.body, /<a href="#answerConfirm1">Question 2: The two answers are not the same/);
    assert.match(refused.body, /<a href="#answer2">Question 3: Answers need at least/);
    const done = await person.submit('/enroll/questions', { ...answerFields(), email: work, mobile: '' });
    assert.match(done.body, /You are set up/);
    assert.equal(person.last?.status, 200);
    assert.equal((await person.get('/enroll/done')).location, '/', 'the done page is shown once');
  });
});

describe('no dead ends', () => {
  test('every proof page shows the step, a Cancel and the admin’s helpdesk text, with tries left the same for every name', async () => {
    const admin = webClient(fixture.portal.app.server);
    await admin.get('/admin');
    await admin.submit('/admin/sign-in', { username: facts.admins.member, domain: '', password: facts.userPassword });
    const contact = `Call the IT desk on 555 0100 (${randomBytes(2).toString('hex')})`;
    assert.match((await saveSettings(admin, 'help', { 'field:helpdeskContact': contact })).body, /Saved/);
    const audited = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });
    assert.ok(
      audited.some((entry) => entry.detail?.startsWith('help.helpdeskContact')),
      'the change is audited',
    );

    const enrolled = await fixture.person();
    await enroll(client(), enrolled);
    const names = { enrolled: enrolled.sam, unknown: `nosuch-${randomBytes(3).toString('hex')}` };
    const pages: Record<string, Page[]> = {};
    for (const [kind, name] of Object.entries(names)) {
      const person = client();
      const start = await person.get('/reset');
      assert.match(start.body, /Step 1 of 4/);
      const question = await person.submit('/reset', { username: name, domain: '' });
      pages[kind] = [
        question,
        await person.submit('/reset/answer', { answer: 'not the answer' }),
        await person.submit('/reset/answer', { answer: 'nor this' }),
      ];
      for (const page of pages[kind]!) {
        assert.match(page.body, /Step 2 of 4/, kind);
        assert.match(page.body, /<a href="\/reset\/cancel">Cancel and go back to the start<\/a>/, kind);
        assert.match(page.body, /Never set up self-service, or cannot reach your e-mail or phone\?/, kind);
        assert.ok(page.body.includes(contact), kind);
      }
      assert.match(pages[kind]![1]!.body, /Tries left before password self-service pauses for this account: 4\./, kind);
      assert.match(pages[kind]![2]!.body, /Tries left before password self-service pauses for this account: 3\./, kind);
      const cancelled = await person.get('/reset/cancel');
      assert.equal(cancelled.location, '/');
      assert.equal((await person.get('/reset/verify')).location, '/', 'the flow ended');
    }
    pages.enrolled!.forEach((page, i) => assert.equal(blank(page, names.enrolled), blank(pages.unknown![i]!, names.unknown), `page ${i + 1}`));
    await saveSettings(admin, 'help', { 'field:helpdeskContact': '' });
  });

  test('the menu links to My account; a change ends on a done page with what to do next, shown once', async () => {
    assert.match((await client().get('/')).body, /<a href="\/me"><strong>My account<\/strong>/);
    const user = await fixture.person();
    const person = client();
    await person.get('/change');
    const next = freshPassword();
    const done = await person.submit('/change', { username: user.sam, domain: '', oldPassword: user.password, newPassword: next, confirm: next });
    assert.equal(person.last?.status, 200);
    assert.match(done.body, /Your password has been changed/);
    assert.match(done.body, /What to do next/);
    assert.match(done.body, /your phone \(e-mail and Wi-Fi\), your laptop, the VPN/);
    assert.doesNotMatch(done.body, /A reset ends the sessions/, 'only a reset ends sessions');
    assert.equal((await person.get('/change/done')).location, '/', 'Back or a reload: the start page');
  });
});
