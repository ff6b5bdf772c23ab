/**
 * Each protection of the public pages, attacked: enumeration, decoys, honeypot, rate limits,
 * code expiry, lockout and replay, skipped steps, CSRF, protected accounts. After every refusal
 * the directory is checked to be unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { bindAs, devDomain, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, answerAll, answerFields, codeSentTo, enroll, enrollInStore, questionOf, verify } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type Page, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

const person = (extra: Record<string, string> = {}) => fixture.person('staff', extra);

const mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;

async function guidOf(sam: string): Promise<string> {
  const user = await fixture.portal.app.directory.findUser(sam);
  assert.ok(user, sam);
  return user.guid;
}

async function audit(target: TestPortal, action: string) {
  return target.app.store.audit.query({ action });
}

/** A page with per-request values (CSRF tokens, the question and masked addresses) blanked. */
function masked(page: Page): string {
  return page.body
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"')
    .replace(/<p class="question">[^<]+<\/p>/g, '<p class="question">…</p>')
    .replace(/(E-mail|Text message) to [^<]+</g, '$1 to …<');
}

describe('account enumeration', () => {
  test('the first step answers alike for every kind of name, and so does the page after it', async () => {
    const enrolled = await person();
    const notEnrolled = await person();
    const noContacts = await person();
    const disabled = await person();
    const limited = await person();
    const enroller = webClient(fixture.portal.app.server);
    await enroll(enroller, enrolled);
    await enroll(enroller, disabled);
    await enroll(enroller, limited);
    await enrollInStore(fixture.portal, await guidOf(noContacts.sam), noContacts.sam, {});
    await fixture.admin.modify(disabled.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }));
    const protectedGuid = await guidOf(facts.protectedUser.sam);
    await enrollInStore(fixture.portal, protectedGuid, facts.protectedUser.sam, { email: `${facts.protectedUser.sam}@${facts.dnsDomain}` });
    // Use up the per-name limit of one account (5 first steps in 15 minutes).
    for (let i = 0; i < fixture.portal.config.protection.perUser.max; i++) {
      const client = webClient(fixture.portal.app.server, { ip: `10.9.0.${i + 1}` });
      await client.get('/reset');
      await client.post('/reset', { username: limited.sam, domain: '' });
    }

    const names = {
      enrolled: enrolled.sam,
      unknown: 'nobody-by-this-name',
      disabled: disabled.sam,
      notEnrolled: notEnrolled.sam,
      noContacts: noContacts.sam,
      protected: facts.protectedUser.sam,
      rateLimited: limited.sam,
    };
    const firsts: Record<string, Page> = {};
    const seconds: Record<string, Page> = {};
    for (const [kind, name] of Object.entries(names)) {
      const client = webClient(fixture.portal.app.server, { ip: '10.8.0.1' });
      await client.get('/reset');
      firsts[kind] = await client.post('/reset', { username: name, domain: '' });
      seconds[kind] = await client.get(firsts[kind]!.location ?? '/');
    }
    const reference = firsts.enrolled!;
    assert.equal(reference.status, 303);
    for (const [kind, page] of Object.entries(firsts)) {
      assert.equal(page.status, reference.status, kind);
      assert.equal(page.location, reference.location, kind);
      assert.equal(page.body, reference.body, kind);
      assert.deepEqual(Object.keys(page.headers).sort(), Object.keys(reference.headers).sort(), kind);
      // The value and the expiry (now + lifetime, which may cross a second between two requests) aside.
      const cookieShape = (header: unknown) =>
        String(header)
          .replace(/=[^;]+/, '=…')
          .replace(/Expires=[^;]+/, 'Expires=…');
      assert.equal(cookieShape(page.headers['set-cookie']), cookieShape(reference.headers['set-cookie']), kind);
      assert.equal(seconds[kind]!.status, 200, kind);
      assert.equal(masked(seconds[kind]!), masked(seconds.enrolled!), kind);
    }
  });

  test('an unknown name meets decoy questions, the same set every time, that no answer passes', async () => {
    const seen = new Set<string>();
    // Fewer attempts than the portal lockout allows wrong answers: each attempt answers once.
    for (let attempt = 0; attempt < fixture.portal.config.protection.portalLockout.maxWrongAnswers - 1; attempt++) {
      const client = webClient(fixture.portal.app.server, { ip: `10.7.0.${attempt + 1}` });
      await client.get('/reset');
      const page = await client.submit('/reset', { username: 'ghost-user-4711', domain: '' });
      seen.add(questionOf(page));
      const answered = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(page)] ?? 'Biscuit the Hamster' });
      assert.match(answered.body, /That answer is not correct/);
      assert.equal(questionOf(answered), questionOf(page), 'a wrong answer keeps the question, as for a real user');
    }
    assert.ok(seen.size <= fixture.portal.config.enrollment.questionsToEnroll, `a fixed set of decoy questions, saw ${[...seen].join(' | ')}`);
    for (const question of seen) assert.ok(fixture.portal.config.enrollment.questions.includes(question));
    const requested = await fixture.portal.app.store.audit.query({ action: 'reset-requested', actor: 'unknown' });
    assert.ok(requested.length >= 4);
    assert.ok(
      requested.every((entry) => !JSON.stringify(entry).includes('ghost-user-4711')),
      'the typed name is not kept',
    );
  });
});

describe('honeypot', () => {
  test('a filled honeypot looks the same, sends nothing and is audited as a bot', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    const before = fixture.portal.outbox.messages().length;
    await client.get('/reset');
    const first = await client.post('/reset', { username: user.sam, domain: '', website: 'http://spam.example' });
    assert.equal(first.status, 303);
    const question = await client.get(first.location!);
    const answered = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(question)]! });
    assert.match(answered.body, /That answer is not correct/, 'the right answers do not pass a bot flow');
    assert.equal(fixture.portal.outbox.messages().length, before, 'nothing was sent');
    const bots = await audit(fixture.portal, 'bot');
    assert.ok(bots.some((entry) => entry.actor === 'unknown' && entry.outcome === 'refused'));
  });
});

describe('rate limits', () => {
  let limited: TestPortal;
  before(async () => {
    limited = await startTestPortal({ protection: { perIp: { max: 3 }, perUser: { max: 3 } } });
  });
  after(() => limited.close());

  async function firstSteps(name: string, ips: string[]): Promise<Page[]> {
    const pages: Page[] = [];
    for (const ip of ips) {
      const client = webClient(limited.app.server, { ip });
      await client.get('/reset');
      pages.push(await client.submit('/reset', { username: name, domain: '' }));
    }
    return pages;
  }

  test('per source address: over the limit every name gets the same plain page, and no flow starts', async () => {
    const user = await person();
    await enroll(webClient(limited.app.server, { ip: '10.1.1.1' }), user);
    const pages = await firstSteps('someone-else', ['10.2.2.2', '10.2.2.2', '10.2.2.2']);
    assert.ok(pages.every((page) => page.status === 200 && /class="question"/.test(page.body)));
    const refused: Page[] = [];
    for (const name of [user.sam, 'nobody-by-this-name']) {
      const client = webClient(limited.app.server, { ip: '10.2.2.2' });
      await client.get('/reset');
      refused.push(await client.submit('/reset', { username: name, domain: '' }));
      assert.notEqual((await client.get('/reset/verify')).status, 200, 'no flow to continue');
    }
    assert.match(refused[0]!.body, /too many attempts from your network/);
    assert.doesNotMatch(refused[0]!.body, /class="question"|not correct/);
    assert.equal(refused[0]!.body, refused[1]!.body, 'the same page for a real and an unknown name');
    assert.ok((await audit(limited, 'rate-limited')).some((entry) => /per address/.test(entry.detail ?? '') && entry.sourceIp === '10.2.2.2'));
  });

  test('flows started by strangers, from any number of addresses, never stop the owner', async () => {
    const user = await person();
    await enroll(webClient(limited.app.server, { ip: '10.1.1.2' }), user);
    await firstSteps(
      user.sam,
      Array.from({ length: 12 }, (_, i) => `10.3.0.${i + 1}`),
    );
    const client = webClient(limited.app.server, { ip: '10.3.1.1' });
    await client.get('/reset');
    const page = await client.submit('/reset', { username: user.sam, domain: '' });
    const channels = await answerAll(client, 'reset', page);
    assert.match(channels.body, /Where should we send your code/, "the owner's right answers pass");
  });
});

describe('verification codes', () => {
  async function toCodePage(target: TestPortal, user: TestUser) {
    const client = webClient(target.app.server);
    await enroll(client, user);
    await client.get('/reset');
    const first = await client.submit('/reset', { username: user.sam, domain: '' });
    await answerAll(client, 'reset', first);
    const page = await client.submit('/reset/send', { channel: 'email' });
    assert.match(page.body, /Enter your code/);
    return { client, code: await codeSentTo(mailOf(user), target.outbox) };
  }

  test('a code past its lifetime is refused, even the right one', async () => {
    const user = await person();
    const { client, code } = await toCodePage(fixture.portal, user);
    fixture.portal.advanceClock((fixture.portal.config.codes.lifetimeMinutes + 1) * 60_000);
    try {
      const page = await client.submit('/reset/code', { code });
      assert.match(page.body, /That code has expired/);
      assert.ok((await audit(fixture.portal, 'code-expired')).some((entry) => entry.actor === user.sam));
    } finally {
      fixture.portal.advanceClock(-(fixture.portal.config.codes.lifetimeMinutes + 1) * 60_000);
    }
  });

  test('after too many wrong codes the attempt is locked; a new code does not reset the count', async () => {
    // Fewer wrong codes per attempt than the portal lockout allows, so the attempt's own limit shows.
    const strict = await startTestPortal({ codes: { maxFailures: 3 } });
    try {
      const user = await person();
      const { client } = await toCodePage(strict, user);
      const max = strict.config.codes.maxFailures;
      for (let i = 0; i < max - 1; i++) assert.match((await client.submit('/reset/code', { code: '000000' })).body, /not correct/);
      await strict.outbox.waitFor(() => true);
      const resent = await client.submit('/reset/send', { channel: 'email' });
      assert.match(resent.body, /Enter your code/);
      const fresh = await codeSentTo(mailOf(user), strict.outbox);
      const locked = await client.submit('/reset/code', { code: fresh === '111111' ? '222222' : '111111' });
      assert.match(locked.body, /this attempt is locked/);
      // The right, fresh code no longer helps: the attempt is over.
      const after = await client.post('/reset/code', { code: fresh }, { csrf: undefined });
      assert.notEqual(after.status, 303);
      assert.equal(await bindAs(user.dn, user.password), 'ok');
      assert.ok((await audit(strict, 'verification-locked')).some((entry) => entry.actor === user.sam));
    } finally {
      await strict.close();
    }
  });

  test('a used code cannot be replayed', async () => {
    const user = await person();
    const { client, code } = await toCodePage(fixture.portal, user);
    const csrfBefore = /name="_csrf" value="([^"]+)"/.exec(client.last!.body)![1]!;
    const cookiesBefore = new Map(client.cookies);
    assert.match((await client.submit('/reset/code', { code })).body, /Choose your new password/);
    // Replaying the accepted request, with the old session cookie and token:
    client.cookies.clear();
    for (const [name, value] of cookiesBefore) client.cookies.set(name, value);
    const replay = await client.post('/reset/code', { code }, { csrf: csrfBefore });
    assert.equal(replay.status, 409, 'the old session is gone');
  });
});

describe('steps cannot be skipped', () => {
  test('posting a later step of a fresh flow is refused and changes nothing', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await client.get('/reset');
    const question = await client.submit('/reset', { username: user.sam, domain: '' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(question.body)![1]!;
    const next = freshPassword();
    for (const [path, fields] of [
      ['/reset/password', { password: next, confirm: next }],
      ['/reset/code', { code: '123456' }],
      ['/reset/send', { channel: 'email' }],
      ['/unlock/confirm', {}],
    ] as const) {
      const page = await client.post(path, fields, { csrf });
      assert.equal(page.status, 409, path);
      assert.match(page.body, /steps were done out of order/);
    }
    assert.equal(await bindAs(user.dn, next), '52e');
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });
});

describe('CSRF', () => {
  test('a form posted without the token, or with a wrong one, is refused and starts nothing', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/reset');
    const sessionsBefore = await fixture.portal.app.store.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    for (const csrf of [false, 'forged-token'] as const) {
      const page = await client.post('/reset', { username: 'athompson', domain: '' }, { csrf });
      assert.equal(page.status, 403);
      assert.equal(page.location, undefined);
    }
    const foreign = webClient(fixture.portal.app.server);
    await foreign.get('/reset');
    const stolen = /name="_csrf" value="([^"]+)"/.exec(foreign.last!.body)![1]!;
    assert.equal((await client.post('/reset', { username: 'athompson', domain: '' }, { csrf: stolen })).status, 403, "another browser's token");
    assert.ok(!client.cookies.has('lk_flow'));
    const sessionsAfter = await fixture.portal.app.store.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(sessionsAfter.n), Number(sessionsBefore.n));
  });

  test('page views create no server-side state', async () => {
    const count = async () =>
      Number(
        (
          await fixture.portal.app.store.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    for (const path of ['/', '/reset', '/unlock', '/change', '/enroll', '/reset?username=x', '/reset/verify']) {
      const page = await webClient(fixture.portal.app.server).get(path);
      assert.ok(!String(page.headers['set-cookie'] ?? '').includes('lk_flow'), path);
    }
    assert.equal(await count(), before);
  });
});

describe('e-mail addresses', () => {
  test('at enrollment, a display name that hides another address is refused; a bare address is stored bare', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    const fields = { ...answerFields(), mobile: '' };
    await client.get('/enroll');
    await client.submit('/enroll', { username: user.sam, domain: '', password: user.password });
    for (const email of ['x<evil@example.org>', `"${mailOf(user)}" <evil@example.org>`, `${mailOf(user)}, evil@example.org`]) {
      const page = await client.submit('/enroll/questions', { ...fields, email });
      assert.match(page.body, /Type one e-mail address on its own/, email);
    }
    const guid = await guidOf(user.sam);
    assert.equal(await fixture.portal.app.store.enrollments.get(guid), null, 'nothing was stored');
    assert.match((await client.submit('/enroll/questions', { ...fields, email: `  ${mailOf(user)} ` })).body, /You are set up/);
    assert.equal((await fixture.portal.app.store.enrollments.get(guid))?.email, mailOf(user));
  });
});

describe('protected accounts', () => {
  test('a privileged account is refused after proving who it is, and is not changed', async () => {
    const guid = await guidOf(facts.protectedUser.sam);
    const email = `${facts.protectedUser.sam}@${facts.dnsDomain}`;
    await enrollInStore(fixture.portal, guid, facts.protectedUser.sam, { email });
    const client = webClient(fixture.portal.app.server);
    const verified = await verify(client, 'reset', { sam: facts.protectedUser.sam }, { channel: 'email', address: email, outbox: fixture.portal.outbox });
    assert.match(verified.body, /Choose your new password/);
    const next = freshPassword();
    const page = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(page.body, /privileged account/);
    assert.equal(await bindAs(facts.protectedUser.dn, facts.userPassword), 'ok');
    const refused = await audit(fixture.portal, 'protected-refused');
    assert.ok(refused.some((entry) => entry.actor === facts.protectedUser.sam && /Domain Admins/.test(entry.detail ?? '')));
  });

  test('and is told at once when it tries to enroll', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/enroll');
    const page = await client.submit('/enroll', { username: facts.protectedUser.sam, domain: '', password: facts.userPassword });
    assert.match(page.body, /privileged account/);
  });
});

describe('portal lockout', () => {
  test('too many wrong answers lock the portal (not AD); enrolling again lifts it', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await client.get('/reset');
    let page = await client.submit('/reset', { username: user.sam, domain: '' });
    for (let i = 0; i < fixture.portal.config.protection.portalLockout.maxWrongAnswers; i++) {
      page = await client.submit('/reset/answer', { answer: 'wrong answer' });
    }
    assert.match(page.body, /self-service is paused for it for \d+ minutes/);
    assert.equal(await bindAs(user.dn, user.password), 'ok', 'the AD account is not locked');
    // A new attempt meets the lockout at the first answer, right or wrong.
    await client.get('/reset');
    page = await client.submit('/reset', { username: user.sam, domain: '' });
    page = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(page)]! });
    assert.match(page.body, /self-service is paused for it/);
    await enroll(client, user);
    await client.get('/reset');
    page = await client.submit('/reset', { username: user.sam, domain: '' });
    assert.match((await client.submit('/reset/answer', { answer: ANSWERS[questionOf(page)]! })).body, /class="question"|Where should we send/);
  });
});
