/**
 * The admin console's forms are read through a schema at the route: a field sent twice, a value
 * too long, a value of the wrong type or a field the form does not have is refused with that
 * field's error and a 400, and nothing is saved. Pages the console does not have are coded 404s.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signedInAdmin } from '../../testing/admin-console.ts';
import { devDomain } from '../../testing/dev-domain.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture({ protection: { perIp: { max: 1000 }, perUser: { max: 100 } } });

const admin = (): Promise<WebClient> => signedInAdmin(fixture.portal.app.server);

/** Posts `payload` as it is (repeated fields, JSON …) with the client's cookies and the CSRF token of `from`. */
async function postRaw(client: WebClient, from: string, path: string, payload: URLSearchParams | Record<string, unknown>): Promise<Page> {
  const csrf = csrfOf((await client.get(from)).body)!;
  const json = !(payload instanceof URLSearchParams);
  if (json) payload._csrf = csrf;
  else payload.set('_csrf', csrf);
  const response = await fixture.portal.app.server.inject({
    method: 'POST',
    url: path,
    headers: {
      cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    payload: json ? JSON.stringify(payload) : payload.toString(),
  });
  return { status: response.statusCode, body: response.body, headers: response.headers };
}

const lifetime = () => fixture.portal.app.runtime.settings.current().codes.lifetimeMinutes;
const settingsChanges = () => fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });

describe('settings forms', () => {
  test('a field sent twice is refused on that field, and nothing is saved', async () => {
    const console = await admin();
    const before = (await settingsChanges()).length;
    const form = new URLSearchParams([
      ['field:lifetimeMinutes', '3'],
      ['field:lifetimeMinutes', '4'],
      ['field:maxFailures', '5'],
    ]);
    const page = await postRaw(console, '/admin/settings/codes', '/admin/settings/codes', form);
    assert.equal(page.status, 400);
    assert.match(page.body, /href="#field:lifetimeMinutes">This field was sent more than once/);
    assert.match(
      page.body,
      /id="field:lifetimeMinutes" name="field:lifetimeMinutes" value="10" aria-describedby="[^"]*field:lifetimeMinutes-error" aria-invalid="true"/,
      'the field is marked, showing what is stored',
    );
    assert.equal(lifetime(), 10);
    assert.equal((await settingsChanges()).length, before);
  });

  test('every field has its label and help; a value against the rules is said in words next to its field, and nothing is saved', async () => {
    const console = await admin();
    const shown = await console.get('/admin/settings/codes');
    assert.match(shown.body, /<label for="field:lifetimeMinutes">Code lifetime<\/label>\s*<p class="hint" id="field:lifetimeMinutes-help">How long a code/);
    assert.match(shown.body, /id="field:lifetimeMinutes" name="field:lifetimeMinutes" value="10" aria-describedby="field:lifetimeMinutes-help">/);
    const page = await postRaw(
      console,
      '/admin/settings/codes',
      '/admin/settings/codes',
      new URLSearchParams({ 'field:lifetimeMinutes': '0', 'field:maxFailures': '5' }),
    );
    assert.match(page.body, /<p class="field-error" id="field:lifetimeMinutes-error">Code lifetime must be at least 1 minute\. <\/p>/);
    assert.match(page.body, /href="#field:lifetimeMinutes">Code lifetime must be at least 1 minute\./);
    assert.doesNotMatch(page.body, /Too small|expected number/i, 'not the validator’s text');
    assert.equal(lifetime(), 10);
  });

  test('a value too long is refused on its field, and nothing is saved', async () => {
    const console = await admin();
    const from = fixture.portal.app.runtime.settings.current().smtp?.from;
    const page = await postRaw(
      console,
      '/admin/settings/smtp',
      '/admin/settings/smtp',
      new URLSearchParams({ 'field:host': '127.0.0.1', 'field:from': `x${'y'.repeat(2100)}@latchkey.test` }),
    );
    assert.equal(page.status, 400);
    assert.match(page.body, /href="#field:from">This is longer than the 2048 characters allowed here/);
    assert.equal(fixture.portal.app.runtime.settings.current().smtp?.from, from);
    const tested = await postRaw(
      console,
      '/admin/settings/codes',
      '/admin/settings/codes/test',
      new URLSearchParams({ 'field:lifetimeMinutes': '1'.repeat(41) }),
    );
    assert.equal(tested.status, 400, 'the test button reads the form the same way');
    assert.match(tested.body, /href="#field:lifetimeMinutes">This is longer than the 40 characters allowed here/);
  });

  test('a value of the wrong type is refused on its field, and nothing is saved', async () => {
    const console = await admin();
    const json = await postRaw(console, '/admin/settings/codes', '/admin/settings/codes', { 'field:lifetimeMinutes': 3 });
    assert.equal(json.status, 400);
    assert.match(json.body, /href="#field:lifetimeMinutes">This value cannot be used here \(Invalid input: expected string, received number\)/);
    const words = await postRaw(console, '/admin/settings/codes', '/admin/settings/codes', new URLSearchParams({ 'field:lifetimeMinutes': 'three' }));
    assert.equal(words.status, 400);
    assert.match(words.body, /href="#field:lifetimeMinutes">Code lifetime must be a number\./);
    const box = await postRaw(console, '/admin/settings/protection', '/admin/settings/protection', new URLSearchParams({ 'field:honeypot': 'yes' }));
    assert.equal(box.status, 400);
    assert.match(box.body, /href="#field:honeypot">This value cannot be used here \(Invalid input: expected &quot;on&quot;\)/);
    assert.equal(lifetime(), 10);
    assert.equal(fixture.portal.app.runtime.settings.current().protection.honeypot, true);
  });

  test('a field the form does not have is refused, and nothing is saved', async () => {
    const console = await admin();
    const page = await postRaw(
      console,
      '/admin/settings/codes',
      '/admin/settings/codes',
      new URLSearchParams({ 'field:lifetimeMinutes': '2', 'field:unheardOf': '1' }),
    );
    assert.equal(page.status, 400);
    assert.match(page.body, /href="#field:unheardOf">This form carried a field it does not have/);
    assert.equal(lifetime(), 10);
  });
});

describe('the audit table’s columns', () => {
  test('a column sent twice, or a width that is no number, is refused with a plain page, and nothing is saved', async () => {
    const console = await admin();
    const repeated = new URLSearchParams([
      ['chooser', '1'],
      ['tab', 'self-service'],
      ['show:at', 'on'],
      ['show:at', 'on'],
    ]);
    const page = await postRaw(console, '/admin/audit', '/admin/audit/columns', repeated);
    assert.equal(page.status, 400);
    assert.match(page.body, /show:at: This field was sent more than once/);
    const width = await postRaw(console, '/admin/audit', '/admin/audit/columns', new URLSearchParams({ 'width:actor': 'wide' }));
    assert.equal(width.status, 400);
    assert.match(width.body, /width:actor: This value cannot be used here \(expected a width in pixels\)/);
    const session = fixture.portal.app.admin;
    const guid = (await session.directory.findUser(facts.admins.member))!.guid;
    assert.equal(await fixture.portal.app.store.preferences.get(guid, 'audit-columns'), null, 'no choice was saved');
    assert.match((await console.get('/admin/audit')).body, /class="col-sourceIp"/);
  });
});

describe('sign-in', () => {
  test('an over-long name or a repeated password is refused on its field before any sign-in is tried', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/admin');
    const long = await client.post('/admin/sign-in', { username: 'a'.repeat(300), domain: '', password: 'x' });
    assert.equal(long.status, 400);
    assert.match(long.body, /href="#username">This is longer than the 256 characters allowed here/);
    const repeated = await postRaw(
      client,
      '/admin',
      '/admin/sign-in',
      new URLSearchParams([
        ['username', facts.admins.member],
        ['password', 'a'],
        ['password', 'b'],
      ]),
    );
    assert.equal(repeated.status, 400);
    assert.match(repeated.body, /href="#password">This field was sent more than once/);
    const tried = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'sign-in', actor: facts.admins.member });
    assert.ok(
      tried.every((entry) => entry.outcome === 'success'),
      'no refused sign-in was tried for the name',
    );
    assert.doesNotMatch((await client.get('/admin')).body, /Dashboard/);
  });
});

describe('pages the console does not have', () => {
  test('an unknown admin page or settings section is a coded 404; signed out, the sign-in comes first', async () => {
    const console = await admin();
    for (const path of ['/admin/nonsense', '/admin/settings/nonsense', '/admin/audit/nonsense']) {
      const page = await console.get(path);
      assert.equal(page.status, 404, path);
      assert.match(page.body, /The admin console has no such page/, path);
    }
    const stranger = await webClient(fixture.portal.app.server).get('/admin/nonsense');
    assert.equal(stranger.status, 303);
    assert.equal(stranger.location, '/admin');
  });
});
