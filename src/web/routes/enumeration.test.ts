/**
 * Account enumeration beyond the first step, attacked: the change page before the old password
 * is proven, every sign-in page, and the later steps of reset (a wrong answer, the code page, a
 * wrong code) answer alike for a real account, an unknown name, a disabled, a protected and a
 * stricter-policy account; so do, under a factor policy, the choice of a factor, each factor's
 * page and a wrong try at each, for accounts with every factor, with nothing but questions, and
 * none. The typed name echoed into the form is the only difference allowed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { devDomain, type TestUser } from '../../testing/dev-domain.ts';
import { fakeFactorChecks } from '../../testing/factor-checks.ts';
import { enroll, enrollInStore } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type Page, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();
const fakes = fakeFactorChecks();

let address = 0;
const freshClient = (target: TestPortal) => webClient(target.app.server, { ip: `10.70.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

/** A page with the per-request token and the echoed name blanked. */
const blank = (page: Page, name: string) =>
  page.body
    .replace(/name="_csrf" value="[^"]+"/g, '')
    .replaceAll(`value="${name}"`, 'value="…"')
    .replace(/<p class="question">[^<]+<\/p>/g, '<p class="question">…</p>')
    // A passkey challenge is new for every page: its place in the options is compared, not its value.
    .replace(/&quot;challenge&quot;:&quot;[^&]+&quot;/g, '&quot;challenge&quot;:…');

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
  test('wrong answers look the same for an enrolled account and for a decoy, tries left included', async () => {
    const enrolled = await fixture.person();
    await enroll(freshClient(fixture.portal), enrolled);
    const names = { enrolled: enrolled.sam, ...(await namesToCompare()) };
    const answers: Record<string, { page: Page; name: string }>[] = [{}, {}];
    for (const [kind, name] of Object.entries(names)) {
      const client = freshClient(fixture.portal);
      await client.get('/reset');
      await client.submit('/reset', { username: name, domain: '' });
      for (const round of answers) round[kind] = { page: await client.submit('/reset/answer', { answer: 'not the answer' }), name };
    }
    answers.forEach((round, i) => {
      assertAlike(round, `wrong answer ${i + 1}`);
      // The count comes from the typed name's own counters, which exist for every name alike.
      assert.match(round.enrolled!.page.body, new RegExp(`pauses for this account: ${4 - i}\\.`), `wrong answer ${i + 1}`);
    });
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

describe('under a factor policy', () => {
  const FACTORS = ['questions', 'code', 'totp', 'passkey', 'recovery'];
  const policy = {
    offered: FACTORS,
    reset: [
      { need: 1, of: ['passkey'] },
      { need: 2, of: ['totp', 'code', 'questions', 'recovery'] },
    ],
    unlock: [{ need: 1, of: ['passkey', 'totp'] }],
  };
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal({
      factors: policy,
      verification: { channels: ['email'] },
      // Every factor's wrong try is made in one flow: the lockout must not end it first.
      protection: { portalLockout: { maxWrongAnswers: 20 } },
    });
  });
  after(() => portal.close());

  /** Every kind of name, each enrolled as its kind allows: the plain account has every factor, one has nothing but questions. */
  async function factorNames(): Promise<Record<string, string>> {
    const names = await namesToCompare();
    const plain = await fixture.person();
    await enroll(freshClient(portal), plain);
    const questionsOnly = await fixture.person();
    for (const sam of [questionsOnly.sam, names.disabled!, names.protected!]) {
      const user = (await portal.app.directory.findUser(sam))!;
      await enrollInStore(portal, user.guid, sam, { email: null, mobile: null });
    }
    const guid = (await portal.app.directory.findUser(plain.sam))!.guid;
    fakes.totp.set(guid, '123123');
    fakes.recovery.set(guid, new Set(['golf-7777']));
    fakes.passkeys.set(guid, 'credential-plain');
    return { plain: plain.sam, questionsOnly: questionsOnly.sam, unknown: names.unknown!, disabled: names.disabled!, protected: names.protected! };
  }

  /** The wrong try at each factor's page. */
  const WRONG: Record<string, [string, Record<string, string>]> = {
    questions: ['/reset/answer', { answer: 'not the answer' }],
    code: ['/reset/code', { code: '000000' }],
    totp: ['/reset/totp', { code: '000000' }],
    recovery: ['/reset/recovery', { code: 'not-a-code' }],
    passkey: ['/reset/passkey', { response: '{"id":"credential-other"}' }],
  };

  /** Each page of a reset for `name`: the choice, then each factor's page and a wrong try there. */
  async function walk(name: string): Promise<Record<string, Page>> {
    const client = freshClient(portal);
    await client.get('/reset');
    const pages: Record<string, Page> = { choice: await client.submit('/reset', { username: name, domain: '' }) };
    for (const factor of FACTORS) {
      pages[factor] = await client.submit('/reset/choose', { factor });
      if (factor === 'code') pages.codeSent = await client.submit('/reset/send', { channel: 'email' });
      const [path, fields] = WRONG[factor]!;
      pages[`${factor}Wrong`] = await client.submit(path, fields);
      await client.submit('/reset/choose', { factor: '' });
    }
    return pages;
  }

  test('the choice, each factor’s page and a wrong try at each look the same for every kind of name', async () => {
    const names = await factorNames();
    const walks: Record<string, Record<string, Page>> = {};
    for (const [kind, name] of Object.entries(names)) walks[kind] = await walk(name);
    for (const page of Object.keys(walks.plain!)) {
      assertAlike(Object.fromEntries(Object.entries(names).map(([kind, name]) => [kind, { page: walks[kind]![page]!, name }])), page);
    }
    const plain = walks.plain!;
    assert.match(plain.choice!.body, /How do you want to prove who you are/);
    for (const factor of FACTORS) assert.match(plain.choice!.body, new RegExp(`id="factor-${factor}"`));
    assert.match(plain.totp!.body, /authenticator app/);
    assert.match(plain.passkey!.body, /data-passkey-options="\{&quot;challenge&quot;/);
    assert.doesNotMatch(plain.passkey!.body, /allowCredentials/);
    assert.match(plain.passkey!.body, /data-passkey-needs-script>A passkey needs JavaScript/);
    assert.match(plain.questionsWrong!.body, /That answer is not correct/);
    assert.match(plain.codeWrong!.body, /That code is not correct/);
    assert.match(plain.totpWrong!.body, /or was already used/);
    assert.match(plain.recoveryWrong!.body, /That recovery code is not right/);
    assert.match(plain.passkeyWrong!.body, /passkey could not be checked/);
  });

  test('after the admin changes the policy, every name sees the same new choice', async () => {
    const names = await factorNames();
    const { settings } = portal.app.runtime;
    const saved = await settings.save('factors', { ...policy, reset: [{ need: 1, of: ['totp', 'passkey'] }] }, { sam: 'test', guid: null, ip: '-' });
    assert.ok(saved.ok);
    portal.app.runtime.apply();
    try {
      const pages: Record<string, { page: Page; name: string }> = {};
      for (const [kind, name] of Object.entries(names)) {
        const client = freshClient(portal);
        await client.get('/reset');
        pages[kind] = { page: await client.submit('/reset', { username: name, domain: '' }), name };
      }
      assertAlike(pages, 'choice after the change');
      assert.match(pages.plain!.page.body, /id="factor-totp"/);
      assert.doesNotMatch(pages.plain!.page.body, /id="factor-questions"/);
    } finally {
      await settings.save('factors', policy, { sam: 'test', guid: null, ip: '-' });
      portal.app.runtime.apply();
    }
  });
});
