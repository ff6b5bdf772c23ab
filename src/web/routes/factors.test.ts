/**
 * The factor policy through the pages, attacked: a factor the policy does not offer, posted
 * straight to its address; the new-password page before the rule is met; a member of a stricter
 * group who passes the questions and a code; a decoy with a real account's values. And the
 * journeys that pass: a passkey alone, a recovery code and the app, counted per factor in
 * /metrics. The app, recovery code and passkey checks are stand-ins (src/testing/factor-checks.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, bindAs, createGroup, freshPassword } from '../../testing/dev-domain.ts';
import { fakeFactorChecks } from '../../testing/factor-checks.ts';
import { answerAll, codeSentTo, enroll } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const fixture = portalFixture({ protection: { perIp: { max: 1000 } } });
const fakes = fakeFactorChecks();

let address = 0;
const client = (target: TestPortal) => webClient(target.app.server, { ip: `10.71.${Math.floor(++address / 250)}.${(address % 250) + 1}` });

async function begin(target: TestPortal, name: string, kind: 'reset' | 'unlock' = 'reset'): Promise<{ browser: WebClient; page: Page }> {
  const browser = client(target);
  await browser.get(`/${kind}`);
  return { browser, page: await browser.submit(`/${kind}`, { username: name, domain: '' }) };
}

const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;

const refusedOutOfOrder = (page: Page, what: string) => {
  assert.equal(page.status, 409, what);
  assert.match(page.body, /steps were done out of order/, what);
};

describe('without a factor policy', () => {
  test('posting straight to a factor the policy does not offer, or choosing it, is refused', async () => {
    const user = await fixture.person();
    await enroll(client(fixture.portal), user);
    const { browser, page } = await begin(fixture.portal, user.sam);
    assert.match(page.body, /class="question"/, 'the questions come first, as before factors');
    assert.doesNotMatch(page.body, /another way/, 'no choice to go back to');
    // The refusal page carries no form: each attack posts with the question page's token.
    const csrf = csrfOf(page);
    refusedOutOfOrder(await browser.post('/reset/totp', { code: '123456' }, { csrf }), 'the app');
    refusedOutOfOrder(await browser.post('/reset/choose', { factor: 'totp' }, { csrf }), 'choosing the app');
    refusedOutOfOrder(await browser.post('/reset/recovery', { code: 'alpha-1111' }, { csrf }), 'a recovery code');
    refusedOutOfOrder(await browser.post('/reset/passkey', { response: '{}' }, { csrf }), 'a passkey');
  });
});

describe('under a factor policy with a stricter group', () => {
  let portal: TestPortal;
  let groupDn: string;
  const policy = (group: string) => ({
    offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
    reset: [
      { need: 1, of: ['passkey'] },
      { need: 2, of: ['totp', 'code', 'questions', 'recovery'] },
    ],
    unlock: [{ need: 1, of: ['passkey', 'totp'] }],
    groups: [
      {
        group,
        reset: [
          { need: 1, of: ['passkey'] },
          { need: 1, of: ['totp'] },
        ],
      },
    ],
  });
  before(async () => {
    groupDn = await createGroup(fixture.admin);
    portal = await startTestPortal({ factors: policy(/^CN=([^,]+)/.exec(groupDn)![1]!), protection: { perIp: { max: 1000 } } });
  });
  after(async () => {
    await portal.close();
    await fixture.admin.del(groupDn).catch(() => undefined);
  });

  const guidOf = async (sam: string) => (await portal.app.directory.findUser(sam))!.guid;

  test('the new-password page before the rule is met is refused, and the password stays', async () => {
    const user = await fixture.person();
    await enroll(client(portal), user);
    const { browser } = await begin(portal, user.sam);
    const questions = await browser.submit('/reset/choose', { factor: 'questions' });
    const more = await answerAll(browser, 'reset', questions);
    assert.match(more.body, /One more step is needed/);
    assert.deepEqual(
      [...more.body.matchAll(/id="factor-(\w+)"/g)].map(([, factor]) => factor),
      ['passkey', 'totp', 'code', 'recovery'],
      'not a member: the default rule, without the factor already passed',
    );
    const next = freshPassword();
    refusedOutOfOrder(await browser.post('/reset/password', { password: next, confirm: next }), 'one factor of two');
    assert.equal(await bindAs(user.dn, user.password), 'ok');
  });

  test('a member of the stricter group: neither the questions nor a code lead on, only the app or a passkey', async () => {
    const user = await fixture.person();
    await enroll(client(portal), user);
    await addMember(fixture.admin, groupDn, user.dn);
    fakes.totp.set(await guidOf(user.sam), '314159');
    const factorsOffered = (page: Page) => [...page.body.matchAll(/id="factor-(\w+)"/g)].map(([, factor]) => factor);

    const byQuestions = await begin(portal, user.sam);
    assert.deepEqual(factorsOffered(byQuestions.page), ['passkey', 'totp', 'code', 'questions', 'recovery'], 'before proof, the default choice');
    const afterQuestions = await answerAll(byQuestions.browser, 'reset', await byQuestions.browser.submit('/reset/choose', { factor: 'questions' }));
    assert.match(afterQuestions.body, /One more step is needed/);
    assert.deepEqual(factorsOffered(afterQuestions), ['passkey', 'totp'], 'the group’s rule, once a factor passed');
    refusedOutOfOrder(await byQuestions.browser.post('/reset/choose', { factor: 'code' }), 'a code is not offered to a member');

    const byCode = await begin(portal, user.sam);
    await byCode.browser.submit('/reset/choose', { factor: 'code' });
    assert.match((await byCode.browser.submit('/reset/send', { channel: 'email' })).body, /Enter your code/);
    const afterCode = await byCode.browser.submit('/reset/code', { code: await codeSentTo(await mailOf(user.sam), portal.outbox) });
    assert.deepEqual(factorsOffered(afterCode), ['passkey', 'totp']);
    const csrf = csrfOf(afterCode);
    refusedOutOfOrder(
      await byCode.browser.post('/reset/password', { password: 'Skipped-Ahead-91', confirm: 'Skipped-Ahead-91' }, { csrf }),
      'the rule is not met',
    );
    await byCode.browser.submit('/reset/choose', { factor: 'totp' }, { csrf });
    assert.match((await byCode.browser.submit('/reset/totp', { code: '314159' })).body, /Choose your new password/);
    const next = freshPassword();
    assert.match((await byCode.browser.submit('/reset/password', { password: next, confirm: next })).body, /has been changed/);
    assert.equal(await bindAs(user.dn, next), 'ok');
  });

  test('a passkey alone verifies; so do a recovery code and the app together; outcomes are counted per factor', async () => {
    const user = await fixture.person();
    await enroll(client(portal), user);
    const guid = await guidOf(user.sam);
    fakes.passkeys.set(guid, 'credential-journey');
    fakes.recovery.set(guid, new Set(['hotel-8888', 'india-9999']));
    fakes.totp.set(guid, '271828');

    const byPasskey = await begin(portal, user.sam);
    const passkeyPage = await byPasskey.browser.submit('/reset/choose', { factor: 'passkey' });
    const challenge = /&quot;challenge&quot;:&quot;([^&]+)&quot;/.exec(passkeyPage.body)![1]!;
    const signed = await byPasskey.browser.submit('/reset/passkey', { response: JSON.stringify({ id: 'credential-journey', challenge }) });
    assert.match(signed.body, /Choose your new password/);

    const byRecovery = await begin(portal, user.sam);
    await byRecovery.browser.submit('/reset/choose', { factor: 'recovery' });
    const left = await byRecovery.browser.submit('/reset/recovery', { code: 'hotel-8888' });
    assert.match(left.body, /1 are left/, 'the codes left are shown');
    await byRecovery.browser.submit('/reset/choose', { factor: 'totp' });
    const done = await byRecovery.browser.submit('/reset/totp', { code: '271828' });
    assert.match(done.body, /Choose your new password/);
    assert.match(done.body, /1 are left/);

    const metrics = await portal.app.server.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    for (const factor of ['passkey', 'recovery', 'totp']) {
      assert.match(
        metrics.body,
        new RegExp(`latchkey_events_total\\{category="self-service",action="factor-passed",outcome="success",factor="${factor}"\\} \\d`),
      );
    }
  });

  test('a decoy passes no factor with a real account’s values', async () => {
    const user = await fixture.person();
    await enroll(client(portal), user);
    fakes.totp.set(await guidOf(user.sam), '161803');
    const { browser } = await begin(portal, `nosuch-${address}`);
    await browser.submit('/reset/choose', { factor: 'totp' });
    assert.match((await browser.submit('/reset/totp', { code: '161803' })).body, /or was already used/);
  });

  async function mailOf(sam: string): Promise<string> {
    return (await portal.app.directory.findUser(sam))!.mail!;
  }
});

describe('enrollment and /me under a policy without questions', () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal({
      factors: { offered: ['code', 'totp'], reset: [{ need: 2, of: ['code', 'totp'] }], unlock: [{ need: 1, of: ['totp'] }] },
      protection: { perIp: { max: 1000 } },
    });
  });
  after(() => portal.close());

  test('enrollment asks for an address and no questions, then offers the app; /me says what is missing', async () => {
    const user = await fixture.person();
    const browser = client(portal);
    await browser.get('/enroll');
    const form = await browser.submit('/enroll', { username: user.sam, domain: '', password: user.password });
    assert.match(form.body, /<h1>Where to send codes<\/h1>/);
    assert.doesNotMatch(form.body, /name="answer0"/, 'no questions when no rule uses them');
    const more = await browser.submit('/enroll/questions', { email: `${user.sam}@example.test`, mobile: '' });
    assert.match(more.body, /<form method="post" action="\/enroll\/totp">/, 'the app is offered right away');
    assert.doesNotMatch(more.body, /Make recovery codes now/, 'recovery codes are not part of this policy');
    assert.match((await browser.submit('/enroll/done', {})).body, /You are set up/);

    await browser.get('/me');
    const me = await browser.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
    assert.match(me.body, /Get a code by e-mail or text message: set up/);
    assert.match(me.body, /Type a code from your authenticator app: not set up — <a href="\/me\/totp">/);
    assert.doesNotMatch(me.body, /Answer your security questions:/, 'questions are not part of this policy');
    assert.match(me.body, /do not have enough set up yet/);
    fakes.totp.set((await portal.app.directory.findUser(user.sam))!.guid, '101010');
    assert.match((await browser.get('/me')).body, /You have enough set up/);
  });
});
