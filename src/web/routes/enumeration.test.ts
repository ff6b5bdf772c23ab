/**
 * Account enumeration beyond the first step, attacked: the change page before the old password
 * is proven, every sign-in page, and the later steps of reset (a wrong answer, the code page, a
 * wrong code) answer alike for a real account, an unknown name, a disabled, a protected and a
 * stricter-policy account. The typed name echoed into the form is the only difference allowed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { devDomain, type TestUser } from '../../testing/dev-domain.ts';
import { enroll } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type Page, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

let address = 0;
const freshClient = (target: TestPortal) => webClient(target.app.server, { ip: `10.70.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

/** A page with the per-request token and the echoed name blanked. */
const blank = (page: Page, name: string) =>
  page.body
    .replace(/name="_csrf" value="[^"]+"/g, '')
    .replaceAll(`value="${name}"`, 'value="…"')
    .replace(/<p class="question">[^<]+<\/p>/g, '<p class="question">…</p>');

/** Kinds of name an attacker may type, each a different kind of account or none. */
async function namesToCompare(): Promise<Record<string, string>> {
  const plain = await fixture.person();
  const strict = await fixture.person();
  const disabled = await fixture.person();
  const privileged = await fixture.person();
  await fixture.admin.modify(
    `CN=Domain Admins,CN=Users,${facts.baseDn}`,
    new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [privileged.dn] }) }),
  );
  await fixture.admin.modify(facts.strictPasswordGroup, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [strict.dn] }) }));
  await fixture.admin.modify(disabled.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }));
  return {
    plain: plain.sam,
    stricterPolicy: strict.sam,
    disabled: disabled.sam,
    protected: privileged.sam,
    unknown: `nosuch-${randomBytes(3).toString('hex')}`,
  };
}

function assertAlike(pages: Record<string, { page: Page; name: string }>, what: string) {
  const [referenceKind, reference] = Object.entries(pages)[0]!;
  for (const [kind, { page, name }] of Object.entries(pages)) {
    assert.equal(page.status, reference.page.status, `${what}: ${kind} vs ${referenceKind}`);
    assert.equal(blank(page, name), blank(reference.page, reference.name), `${what}: ${kind} vs ${referenceKind}`);
  }
}

describe('the change page before the old password is proven', () => {
  test('a wrong old password gets the same answer for every name, whatever new password is typed', async () => {
    const variants: Record<string, (sam: string) => { newPassword: string; confirm: string }> = {
      tooShort: () => ({ newPassword: 'Ab1!', confirm: 'Ab1!' }),
      // Long enough for the domain, too short for the stricter fine-grained policy.
      shortForStrict: () => ({ newPassword: 'Abcdef1!x', confirm: 'Abcdef1!x' }),
      containsName: (sam) => ({ newPassword: `${sam}-Qz9!long`, confirm: `${sam}-Qz9!long` }),
      tooSimple: () => ({ newPassword: 'aaaaaaaaaaaaaaa', confirm: 'aaaaaaaaaaaaaaa' }),
      mismatched: () => ({ newPassword: 'Lk-Good-Pass-91', confirm: 'Lk-Good-Pass-92' }),
      empty: () => ({ newPassword: '', confirm: '' }),
    };
    for (const [variant, typed] of Object.entries(variants)) {
      // Fresh accounts per variant, so that the per-name limit of password tries stays out of the way.
      const names = await namesToCompare();
      const pages: Record<string, { page: Page; name: string }> = {};
      for (const [kind, name] of Object.entries(names)) {
        const client = freshClient(fixture.portal);
        await client.get('/change');
        pages[kind] = { page: await client.submit('/change', { username: name, domain: '', oldPassword: 'Wrong-Password-1', ...typed(name) }), name };
      }
      assertAlike(pages, variant);
      if (variant !== 'mismatched' && variant !== 'empty') assert.match(pages.plain!.page.body, /username or password is not correct/, variant);
      assert.doesNotMatch(
        pages.stricterPolicy!.page.body,
        /at least \d+ characters|too short|too simple/,
        `${variant}: no policy shown before the old password is proven`,
      );
    }
  });

  test('with the right old password, the account’s own rules are explained', async () => {
    const user = await fixture.person();
    await fixture.admin.modify(facts.strictPasswordGroup, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [user.dn] }) }));
    const client = freshClient(fixture.portal);
    await client.get('/change');
    const page = await client.submit('/change', { username: user.sam, domain: '', oldPassword: user.password, newPassword: 'Ab1!', confirm: 'Ab1!' });
    assert.match(page.body, /too short: use at least \d+ characters/);
  });
});

describe('sign-in pages', () => {
  const pages = [
    { get: '/enroll', post: '/enroll' },
    { get: '/me', post: '/me/sign-in' },
    { get: '/helpdesk', post: '/helpdesk/sign-in' },
    { get: '/admin', post: '/admin/sign-in' },
  ];

  test('a wrong password answers alike for every kind of name on every sign-in page', async () => {
    const names = await namesToCompare();
    for (const { get, post } of pages) {
      const answers: Record<string, { page: Page; name: string }> = {};
      for (const [kind, name] of Object.entries(names)) {
        const client = freshClient(fixture.portal);
        await client.get(get);
        answers[kind] = { page: await client.submit(post, { username: name, domain: '', password: 'Wrong-Password-1' }), name };
      }
      assertAlike(answers, post);
      assert.match(answers.plain!.page.body, /username or password is not correct/, post);
    }
  });
});

describe('later steps of reset', () => {
  test('a wrong answer looks the same for an enrolled account and for a decoy', async () => {
    const enrolled = await fixture.person();
    await enroll(freshClient(fixture.portal), enrolled);
    const names = { enrolled: enrolled.sam, ...(await namesToCompare()) };
    const answers: Record<string, { page: Page; name: string }> = {};
    for (const [kind, name] of Object.entries(names)) {
      const client = freshClient(fixture.portal);
      await client.get('/reset');
      await client.submit('/reset', { username: name, domain: '' });
      answers[kind] = { page: await client.submit('/reset/answer', { answer: 'not the answer' }), name };
    }
    assertAlike(answers, 'wrong answer');
  });

  describe('code-only', () => {
    let codeOnly: TestPortal;
    let enrolled: TestUser;
    before(async () => {
      codeOnly = await startTestPortal({ verification: { questionsToAsk: 0, requireCode: true, channels: ['email'] } });
      enrolled = await fixture.person();
      await enroll(freshClient(codeOnly), enrolled, { email: `${enrolled.sam}@${facts.dnsDomain}`, mobile: '' });
    });
    after(() => codeOnly.close());

    test('the code page and a wrong code look the same for an enrolled account and for a decoy', async () => {
      const names = { enrolled: enrolled.sam, ...(await namesToCompare()) };
      const sent: Record<string, { page: Page; name: string }> = {};
      const wrong: Record<string, { page: Page; name: string }> = {};
      for (const [kind, name] of Object.entries(names)) {
        const client = freshClient(codeOnly);
        await client.get('/reset');
        await client.submit('/reset', { username: name, domain: '' });
        sent[kind] = { page: await client.submit('/reset/send', { channel: 'email' }), name };
        wrong[kind] = { page: await client.submit('/reset/code', { code: '000000' }), name };
      }
      assertAlike(sent, 'code page');
      assert.match(sent.enrolled!.page.body, /Enter your code/);
      assertAlike(wrong, 'wrong code');
      assert.match(wrong.enrolled!.page.body, /That code is not correct/);
    });
  });
});
