/**
 * Failure limits of reset and unlock, attacked: every spelling of a name keys the same counters,
 * real and unknown names alike; wrong answers and codes (not starts) count against an account,
 * within a half-hour lockout, a run of at most 100 and a per-address bound; and a stopped owner
 * is told to wait or call the helpdesk, never that a right answer is wrong.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { devDomain, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, answerAll, codeSentTo, enroll, questionOf } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type Page, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

/** Every way a person can type one account's name: case, spaces, DOMAIN\, DNS-domain\, UPN, the Domain field. */
function spellingsOf(sam: string): { username: string; domain: string }[] {
  return [
    { username: sam, domain: '' },
    { username: `  ${sam.toUpperCase()} `, domain: '' },
    { username: `${facts.netbiosDomain}\\${sam}`, domain: '' },
    { username: `${facts.netbiosDomain.toLowerCase()}\\ ${sam}`, domain: '' },
    { username: `${facts.dnsDomain}\\${sam}`, domain: '' },
    { username: `${sam}@${facts.dnsDomain}`, domain: '' },
    { username: `${sam.toUpperCase()}@${facts.dnsDomain.toUpperCase()}`, domain: '' },
    { username: sam, domain: facts.netbiosDomain },
    { username: sam, domain: facts.dnsDomain },
  ];
}

let address = 0;
/** A client from an address of its own, so that only the per-account bounds stand in the way. */
const freshClient = (target: TestPortal) => webClient(target.app.server, { ip: `10.60.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

async function start(target: TestPortal, spelling: { username: string; domain: string }) {
  const client = freshClient(target);
  await client.get('/reset');
  return { client, page: await client.submit('/reset', spelling) };
}

/** The answer a person would give to the question on `page`: right for an enrolled account, or `wrong`. */
const answerTo = (page: Page, right: boolean) => (right ? ANSWERS[questionOf(page)]! : 'not the answer');

/** A page without per-request values: CSRF token, the question asked. */
const shape = (page: Page) => page.body.replace(/name="_csrf" value="[^"]+"/g, '').replace(/<p class="question">[^<]+<\/p>/g, '<p class="question">…</p>');

describe('one canonical name for every spelling', () => {
  test('wrong answers under one spelling stop every spelling, for a real and an unknown name alike', async () => {
    const real = await fixture.person();
    await enroll(freshClient(fixture.portal), real);
    const unknown = `nosuch-${randomBytes(3).toString('hex')}`;
    const max = fixture.portal.config.protection.portalLockout.maxWrongAnswers;
    const stopped: Record<string, Page[]> = { real: [], unknown: [] };
    for (const [kind, sam] of [
      ['real', real.sam],
      ['unknown', unknown],
    ] as const) {
      const spellings = spellingsOf(sam);
      // All but one wrong answer under the plain name, the last one under DOMAIN\name.
      let { client, page } = await start(fixture.portal, spellings[0]!);
      for (let i = 0; i < max - 1; i++) page = await client.submit('/reset/answer', { answer: 'not the answer' });
      assert.match(page.body, /That answer is not correct/, kind);
      ({ client, page } = await start(fixture.portal, spellings[2]!));
      page = await client.submit('/reset/answer', { answer: 'not the answer' });
      assert.match(page.body, /paused for it/, `${kind}: the last wrong answer reached the lockout`);
      for (const spelling of spellings) {
        ({ client, page } = await start(fixture.portal, spelling));
        const answered = await client.submit('/reset/answer', { answer: answerTo(page, kind === 'real') });
        assert.match(answered.body, /paused for it for \d+ minutes/, `${kind} as ${JSON.stringify(spelling)}`);
        assert.match(answered.body, /helpdesk/);
        assert.doesNotMatch(answered.body, /not correct/, 'a right answer is never called wrong');
        stopped[kind]!.push(answered);
      }
    }
    stopped.real!.forEach((page, i) => assert.equal(shape(page), shape(stopped.unknown![i]!), `spelling ${i}: real and unknown look alike`));
  });

  test('a decoy meets the same questions under every spelling', async () => {
    const unknown = `nosuch-${randomBytes(3).toString('hex')}`;
    const seen = new Set<string>();
    for (const spelling of spellingsOf(unknown)) {
      // Two draws per spelling: the questions come from one fixed set of the name.
      for (let draw = 0; draw < 2; draw++) seen.add(questionOf((await start(fixture.portal, spelling)).page));
    }
    assert.ok(seen.size <= fixture.portal.config.enrollment.questionsToEnroll, [...seen].join(' | '));
  });
});

describe('code-only verification', () => {
  let codeOnly: TestPortal;
  before(async () => {
    codeOnly = await startTestPortal({ verification: { questionsToAsk: 0, requireCode: true, channels: ['email', 'sms'] } });
  });
  after(() => codeOnly.close());

  const maskedAddresses = (page: Page) => [...page.body.matchAll(/(?:E-mail|Text message) to ([^<]+)</g)].map((match) => match[1]);

  test("a decoy's masked addresses are the same under every spelling", async () => {
    const unknown = `nosuch-${randomBytes(3).toString('hex')}`;
    const masks = new Set<string>();
    for (const spelling of spellingsOf(unknown)) {
      const client = freshClient(codeOnly);
      await client.get('/reset');
      const page = await client.submit('/reset', spelling);
      assert.match(page.body, /Where should we send your code/);
      masks.add(JSON.stringify(maskedAddresses(page)));
    }
    assert.equal(masks.size, 1, [...masks].join(' | '));
  });

  test('wrong codes count against the account across codes and flows, then the owner is told to wait', async () => {
    const owner = await fixture.person();
    await enroll(freshClient(codeOnly), owner, { email: `${owner.sam}@${facts.dnsDomain}`, mobile: '' });
    const max = codeOnly.config.protection.portalLockout.maxWrongAnswers;
    const guess = async () => {
      const client = freshClient(codeOnly);
      await client.get('/reset');
      await client.submit('/reset', { username: owner.sam, domain: '' });
      await client.submit('/reset/send', { channel: 'email' });
      return client;
    };
    // Two guesses per flow, over fresh codes and fresh addresses.
    let last: Page | undefined;
    for (let used = 0; used < max; used += 2) {
      const client = await guess();
      last = await client.submit('/reset/code', { code: '000000' });
      if (used + 1 < max) last = await client.submit('/reset/code', { code: '000001' });
    }
    assert.match(last!.body, /paused for it/);
    // The owner, with the right code in hand, is stopped with plain words.
    const client = await guess();
    const code = await codeSentTo(`${owner.sam}@${facts.dnsDomain}`, codeOnly.outbox);
    const page = await client.submit('/reset/code', { code });
    assert.match(page.body, /paused for it for \d+ minutes/);
    assert.doesNotMatch(page.body, /not correct/);
  });
});

describe('bounds on guessing', () => {
  test('after the cool-down the owner passes again', async () => {
    const owner = await fixture.person();
    await enroll(freshClient(fixture.portal), owner);
    const { maxWrongAnswers, coolDownMinutes } = fixture.portal.config.protection.portalLockout;
    let { client, page } = await start(fixture.portal, { username: owner.sam, domain: '' });
    for (let i = 0; i < maxWrongAnswers; i++) page = await client.submit('/reset/answer', { answer: 'not the answer' });
    assert.match(page.body, /paused for it/);
    fixture.portal.advanceClock((coolDownMinutes + 1) * 60_000);
    try {
      ({ client, page } = await start(fixture.portal, { username: owner.sam, domain: '' }));
      assert.match((await answerAll(client, 'reset', page)).body, /Where should we send your code/);
    } finally {
      fixture.portal.advanceClock(-(coolDownMinutes + 1) * 60_000);
    }
  });

  describe('a run of failures', () => {
    let strict: TestPortal;
    let owner: TestUser;
    before(async () => {
      strict = await startTestPortal({ protection: { maxConsecutiveFailures: 7, portalLockout: { maxWrongAnswers: 5, coolDownMinutes: 30 } } });
      owner = await fixture.person();
      await enroll(freshClient(strict), owner);
    });
    after(() => strict.close());

    async function wrongAnswers(count: number): Promise<Page> {
      let { client, page } = await start(strict, { username: owner.sam, domain: '' });
      for (let i = 0; i < count; i++) page = await client.submit('/reset/answer', { answer: 'not the answer' });
      return page;
    }

    test('pauses self-service for the account until a day passes without a failure, whatever the lockout windows', async () => {
      assert.match((await wrongAnswers(5)).body, /paused for it for 30 minutes/);
      strict.advanceClock(31 * 60_000);
      const paused = await wrongAnswers(2);
      assert.match(paused.body, /paused for it for a day/, 'the seventh failure in a row pauses');
      assert.match(paused.body, /helpdesk/);
      // Half-hour windows pass, the run does not.
      strict.advanceClock(2 * 60 * 60_000);
      let { client, page } = await start(strict, { username: owner.sam, domain: '' });
      page = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(page)]! });
      assert.match(page.body, /paused for it for a day/, 'the right answer is not looked at while paused');
      assert.doesNotMatch(page.body, /not correct/);
      strict.advanceClock(24 * 60 * 60_000);
      ({ client, page } = await start(strict, { username: owner.sam, domain: '' }));
      assert.match((await answerAll(client, 'reset', page)).body, /Where should we send your code/, 'a quiet day ends the pause');
    });
  });

  describe('per source address', () => {
    let strict: TestPortal;
    before(async () => {
      strict = await startTestPortal({ protection: { perIp: { max: 4, windowMinutes: 15 } } });
    });
    after(() => strict.close());

    test('wrong answers for many names from one address stop that address, and say so', async () => {
      const client = webClient(strict.app.server, { ip: '10.61.0.1' });
      for (const name of ['spray-a', 'spray-b']) {
        await client.get('/reset');
        await client.submit('/reset', { username: `${name}-${randomBytes(2).toString('hex')}`, domain: '' });
        await client.submit('/reset/answer', { answer: 'guess one' });
        await client.submit('/reset/answer', { answer: 'guess two' });
      }
      await client.get('/reset');
      await client.submit('/reset', { username: 'spray-c', domain: '' });
      const page = await client.submit('/reset/answer', { answer: 'guess three' });
      assert.match(page.body, /too many attempts from your network/);
    });
  });
});

describe('password pages', () => {
  test('every spelling of a name shares one limit of password tries, known or not', async () => {
    const strict = await startTestPortal({ protection: { perUser: { max: 3, windowMinutes: 15 } } });
    try {
      const real = await fixture.person();
      const unknown = `nosuch-${randomBytes(3).toString('hex')}`;
      const pages: Record<string, string[]> = { real: [], unknown: [] };
      for (const [kind, sam] of [
        ['real', real.sam],
        ['unknown', unknown],
      ] as const) {
        const spellings = spellingsOf(sam);
        for (let i = 0; i < 3; i++) {
          const client = freshClient(strict);
          await client.get('/me');
          const page = await client.submit('/me/sign-in', { ...spellings[i]!, password: 'Wrong-Password-1' });
          assert.match(page.body, /username or password is not correct/, `${kind} try ${i + 1}`);
        }
        for (const spelling of spellings) {
          const client = freshClient(strict);
          await client.get('/me');
          // Even the right password: the name is over its limit under every spelling.
          const page = await client.submit('/me/sign-in', { ...spelling, password: kind === 'real' ? real.password : 'Wrong-Password-1' });
          assert.match(page.body, /too many attempts/, `${kind} as ${JSON.stringify(spelling)}`);
          pages[kind]!.push(shape(page).replace(/value="[^"]*"/g, ''));
        }
      }
      assert.deepEqual(pages.real, pages.unknown);
    } finally {
      await strict.close();
    }
  });
});
