/**
 * Kiosk addresses: Netwrix Password Reset's links (/pwreset/apr.dll?cmd=…&username=…&domain=…)
 * open the page filled in and start nothing; every public page has an address under /pwreset/
 * ending in .html, and its links, form actions and redirects stay there; the signed-in areas have none.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { enroll } from '../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../testing/portal.ts';
import { type Page, webClient } from '../testing/web-client.ts';
import { fromKiosk, toKiosk } from './kiosk.ts';

const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });

/**
 * Every address a page's links and forms lead to (not its style sheets and icon: those are not
 * navigations; nor the language picker's, which language.test.ts follows into the kiosk).
 */
function navigations(page: Page): string[] {
  const links = [...page.body.matchAll(/<a [^>]*href="([^"#][^"]*)"/g)].map((match) => match[1]!).filter((link) => !link.startsWith('/pwreset/language.html'));
  const actions = [...page.body.matchAll(/<form [^>]*action="([^"]*)"/g)].map((match) => match[1]!);
  return [...links, ...actions];
}

const KIOSK_ADDRESS = /^\/pwreset\/[a-z/-]+\.(dll|htm|html)(\?|$)/;

describe('kiosk addresses', () => {
  test('each public page has one kiosk address and back; the signed-in areas have none', () => {
    for (const path of ['/', '/reset', '/reset/verify', '/unlock/confirm', '/change', '/enroll/questions', '/enroll?username=jsmith']) {
      const kiosk = toKiosk(path);
      assert.match(kiosk ?? '', KIOSK_ADDRESS, path);
      assert.equal(fromKiosk(kiosk!), path, `${path} round trip`);
    }
    for (const path of ['/me', '/me/totp', '/helpdesk', '/admin/settings/menu', '/dev/outbox', '/password-check/range/ABCDE'])
      assert.equal(toKiosk(path), undefined, path);
    for (const address of [
      '/pwreset/me.html',
      '/pwreset/admin.html',
      '/pwreset/helpdesk.html',
      '/pwreset/me/totp.html',
      '/pwreset/../me.html',
      '/pwreset/reset',
    ])
      assert.equal(fromKiosk(address), undefined, address);
  });

  test('a Netwrix link opens that page filled in', async () => {
    const client = webClient(fixture.portal.app.server);
    for (const cmd of ['enroll', 'reset', 'unlock', 'change']) {
      const link = await client.get(`/pwreset/apr.dll?cmd=${cmd}&username=johnsmith&domain=CORP`);
      assert.equal(link.status, 303, cmd);
      assert.equal(link.location, `/pwreset/${cmd}.html?username=johnsmith&domain=CORP`);
      const page = await client.get(link.location!);
      assert.equal(page.status, 200);
      assert.match(page.body, /name="username" value="johnsmith"/, cmd);
      assert.match(page.body, /name="domain" value="CORP"/, cmd);
      assert.ok(
        navigations(page).every((to) => KIOSK_ADDRESS.test(to)),
        `${cmd}: ${navigations(page)}`,
      );
    }
  });

  test('an unknown cmd, or none, opens the menu; so does the folder itself', async () => {
    const client = webClient(fixture.portal.app.server);
    for (const address of ['/pwreset/apr.dll?cmd=delete&username=johnsmith', '/pwreset/apr.dll', '/pwreset/', '/pwreset/index.html']) {
      const page = await client.get(address);
      assert.equal(page.status, 200, address);
      assert.match(page.body, /What do you need to do\?/, address);
      assert.deepEqual(navigations(page).sort(), [
        '/pwreset/change.html',
        '/pwreset/enroll.html',
        '/pwreset/index.html',
        '/pwreset/reset.html',
        '/pwreset/unlock.html',
      ]);
    }
  });

  test('a prefilled link starts nothing and looks the same for a name that exists and one that does not', async () => {
    const person = await fixture.person();
    const pageFor = async (name: string) => {
      const client = webClient(fixture.portal.app.server);
      const link = await client.get(`/pwreset/apr.dll?cmd=reset&username=${name}`);
      const page = await client.get(link.location!);
      assert.equal(client.cookies.has('lk_flow'), false, 'no flow was started');
      return { status: page.status, body: page.body.replace(name, 'NAME').replace(/name="_csrf" value="[^"]+"/, '') };
    };
    assert.deepEqual(await pageFor(person.sam), await pageFor('nobody-by-this-name'));
  });

  test('the signed-in areas and unknown pages have no kiosk address, and their page leads only back to the kiosk menu', async () => {
    const client = webClient(fixture.portal.app.server);
    for (const address of ['/pwreset/me.html', '/pwreset/admin.html', '/pwreset/helpdesk.html', '/pwreset/nothing.html', '/pwreset/reset/nothing.html']) {
      const page = await client.get(address);
      assert.equal(page.status, 404, address);
      assert.deepEqual(navigations(page), ['/pwreset/index.html', '/pwreset/index.html'], address);
    }
    // An error page (here: a form without its token) keeps to the kiosk too.
    const refused = await client.post('/pwreset/reset.html', { username: 'someone' }, { csrf: false });
    assert.equal(refused.status, 403);
    assert.deepEqual(navigations(refused), ['/pwreset/index.html', '/pwreset/index.html']);
  });

  test('a step of a kiosk flow redirects to the kiosk address of the next page', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/pwreset/reset.html');
    const next = await client.post('/pwreset/reset.html', { username: 'nobody-by-this-name', domain: '' });
    assert.equal(next.status, 303);
    assert.equal(next.location, '/pwreset/reset/verify.html');
    const page = await client.get(next.location!);
    assert.equal(page.status, 200);
    assert.ok(
      navigations(page).every((to) => KIOSK_ADDRESS.test(to)),
      String(navigations(page)),
    );
  });

  test('no view of the public flows writes an address itself: every link and form goes through it.href', () => {
    const views = join(import.meta.dirname, 'views');
    const pages = ['layout', 'menu', 'error', 'message', 'start', 'change', 'enroll', 'enroll-questions', 'channel', 'code', 'question'];
    const factors = ['factor-choice', 'factor-totp', 'factor-recovery', 'factor-passkey', '_other-way', 'new-password', 'unlock-confirm'];
    for (const view of [...pages, ...factors]) {
      const text = readFileSync(join(views, `${view}.eta`), 'utf8');
      assert.doesNotMatch(text, /(href|action)="\/(?!static)/, view);
      assert.doesNotMatch(text, /(href|action)="https?:/, view);
    }
  });
});

describe('kiosk pages of every factor', () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal({
      factors: {
        offered: ['questions', 'code', 'totp', 'recovery', 'passkey'],
        reset: [{ need: 1, of: ['questions', 'totp', 'recovery', 'passkey'] }],
        unlock: [{ need: 1, of: ['questions', 'totp', 'recovery', 'passkey'] }],
      },
      protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
    });
  });
  after(() => portal.close());

  test('enrolling in a kiosk says what to set up elsewhere without a link out', async () => {
    const person = await fixture.person();
    const done = await enroll(kioskClient(portal), person);
    assert.match(done.body, /To finish, set up these too/);
    const to = navigations(done);
    assert.ok(
      to.every((address) => KIOSK_ADDRESS.test(address)),
      String(to),
    );
    for (const step of ['totp', 'recovery-codes', 'done']) assert.ok(to.includes(`/pwreset/enroll/${step}.html`), `${step}: ${to}`);
    assert.doesNotMatch(done.body, /href="\/me"/, 'passkeys are set up at /me, which a kiosk cannot reach: no link');
  });

  for (const kind of ['reset', 'unlock'] as const) {
    test(`${kind}: the choice and each factor's page lead only to kiosk addresses`, async () => {
      const person = await fixture.person();
      await enroll(kioskClient(portal), person);
      const client = kioskClient(portal);
      await client.get(`/${kind}`);
      const choice = await client.submit(`/${kind}`, { username: person.sam, domain: '' });
      assert.match(choice.body, /name="factor"/, 'the choice page');
      const pages = [choice];
      for (const factor of ['questions', 'totp', 'recovery', 'passkey']) {
        pages.push(await client.submit(`/${kind}/choose`, { factor }));
        pages.push(await client.submit(`/${kind}/choose`, { factor: '' }));
      }
      for (const page of pages) {
        assert.equal(page.status, 200);
        const to = navigations(page);
        assert.ok(to.length >= 2 && to.every((address) => KIOSK_ADDRESS.test(address)), String(to));
      }
      const actions = new Set(pages.flatMap(navigations));
      for (const step of ['choose', 'answer', 'totp', 'recovery', 'passkey'])
        assert.ok(actions.has(`/pwreset/${kind}/${step}.html`), `${step}: ${[...actions]}`);
    });
  }
});

/** A client that, like a kiosk browser, asks for every page by its kiosk address. */
function kioskClient(target: TestPortal) {
  const client = webClient(target.app.server);
  const kiosk = (path: string) => toKiosk(path) ?? path;
  return {
    ...client,
    get: (path: string) => client.get(kiosk(path)),
    post: (path: string, fields: Record<string, string>) => client.post(kiosk(path), fields),
    submit: (path: string, fields: Record<string, string>) => client.submit(kiosk(path), fields),
  };
}
