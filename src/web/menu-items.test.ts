/**
 * Menu items the admin hides in the console: gone from the menu at once (no restart, audited),
 * and every page of the hidden flow, GET and POST, kiosk address or not, answers exactly as an
 * address with no page. A reset still unlocks the account while Unlock is hidden.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signedInAdmin } from '../testing/admin-console.ts';
import { bindAs, devDomain, freshPassword, readAttribute } from '../testing/dev-domain.ts';
import { lockInAd } from '../testing/flow-context.ts';
import { enroll, verify } from '../testing/journeys.ts';
import { portalFixture } from '../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });

const console = (): Promise<WebClient> => signedInAdmin(fixture.portal.app.server);

/** Saves the menu section as its form would be sent with exactly `items` ticked (an unticked box is not sent). */
async function hide(items: string[]) {
  const admin = await console();
  const page = await admin.get('/admin/settings/menu');
  assert.match(page.body, /name="field:hide\.unlock"/, 'the console has the menu section');
  const saved = await admin.post('/admin/settings/menu', Object.fromEntries(items.map((item) => [`field:hide.${item}`, 'on'])), {
    csrf: csrfOf(page.body) ?? false,
  });
  assert.ok(saved.status < 400, `saved: ${saved.status}`);
}

/** Status, body and content type: what a person (or a script) can tell pages apart by. */
const seen = (page: Page) => ({ status: page.status, body: page.body, type: page.headers['content-type'] });

/** Every route of the unlock flow, both forms of its address. */
const UNLOCK_ROUTES = ['', '/verify', '/answer', '/send', '/code', '/choose', '/totp', '/recovery', '/passkey', '/confirm'];

describe('hidden menu items', () => {
  test('hiding Unlock and Change in the console takes them off the menu at once, audited', async () => {
    const before = await webClient(fixture.portal.app.server).get('/');
    assert.match(before.body, /href="\/unlock"/);
    await hide(['unlock', 'change']);
    const menu = await webClient(fixture.portal.app.server).get('/');
    assert.doesNotMatch(menu.body, /href="\/unlock"|href="\/change"/);
    assert.match(menu.body, /href="\/reset"/);
    assert.match(menu.body, /href="\/enroll"/);
    const kioskMenu = await webClient(fixture.portal.app.server).get('/pwreset/index.html');
    assert.doesNotMatch(kioskMenu.body, /unlock\.html|change\.html/);
    const changes = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });
    assert.ok(
      changes.some((entry) => /menu/.test(entry.detail ?? '')),
      'the change is audited',
    );
  });

  test('every page of a hidden flow answers exactly as an address with no page, GET and POST, kiosk or not', async () => {
    await hide(['unlock', 'change']);
    const client = webClient(fixture.portal.app.server);
    const missing = seen(await client.get('/no-such-page'));
    const missingPost = seen(await client.post('/no-such-page', { username: 'someone' }, { csrf: false }));
    const kioskMissing = seen(await client.get('/pwreset/no-such-page.html'));
    assert.equal(missing.status, 404);
    for (const path of [...UNLOCK_ROUTES.map((route) => `/unlock${route}`), '/change']) {
      assert.deepEqual(seen(await client.get(path)), missing, `GET ${path}`);
      assert.deepEqual(seen(await client.post(path, { username: 'someone' }, { csrf: false })), missingPost, `POST ${path}`);
      assert.deepEqual(seen(await client.get(`/pwreset${path}.html`)), kioskMissing, `GET /pwreset${path}.html`);
    }
    // A Netwrix link to a hidden page opens the menu, as an unknown cmd does.
    const link = await client.get('/pwreset/apr.dll?cmd=unlock&username=jsmith');
    assert.equal(link.status, 200);
    assert.match(link.body, /What do you need to do\?/);
  });

  test('shown again, the pages are back without a restart', async () => {
    await hide(['unlock', 'change']);
    await hide([]);
    const client = webClient(fixture.portal.app.server);
    assert.equal((await client.get('/unlock')).status, 200);
    assert.equal((await client.get('/pwreset/change.html')).status, 200);
    assert.match((await client.get('/')).body, /href="\/unlock"/);
  });

  test('with Unlock hidden, a reset still unlocks the account', async () => {
    await hide(['unlock']);
    const person = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, person);
    await lockInAd(person);
    const passwordPage = await verify(client, 'reset', person, {
      channel: 'email',
      address: `${person.sam}@${facts.dnsDomain}`,
      outbox: fixture.portal.outbox,
    });
    assert.match(passwordPage.body, /Choose your new password/);
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /it is unlocked now/);
    assert.equal(await readAttribute(fixture.admin, person.dn, 'lockoutTime'), '0');
    assert.equal(await bindAs(person.dn, next), 'ok');
    await hide([]);
  });
});
