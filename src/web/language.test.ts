/**
 * The page's language: chosen from Accept-Language or the picker's cookie, said in
 * `<html lang dir>` and Vary, and switched with the picker's plain links, which set a cookie and
 * go back to the page, never to another site.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { portalFixture } from '../testing/portal.ts';
import { webClient } from '../testing/web-client.ts';
import { safeReturnPath } from './language.ts';

const fixture = portalFixture();
const get = (url: string, headers: Record<string, string> = {}) => fixture.portal.app.server.inject({ url, headers });
const langOf = (body: string) => /<html lang="([^"]+)" dir="([^"]+)">/.exec(body)?.slice(1);

describe('the language of a page', () => {
  test('follows Accept-Language, a region falling back to its language, and says so in <html lang dir>', async () => {
    const german = await get('/reset', { 'accept-language': 'de-CH, en;q=0.5' });
    assert.deepEqual(langOf(german.body), ['de', 'ltr']);
    assert.match(german.body, /Passwort zurücksetzen/);
    assert.deepEqual(langOf((await get('/', { 'accept-language': 'nl;q=0.9, fr;q=0.95' })).body), ['fr', 'ltr']);
    assert.deepEqual(langOf((await get('/', { 'accept-language': 'ja' })).body), ['en', 'ltr'], 'unsupported: the default');
    assert.deepEqual(langOf((await get('/')).body), ['en', 'ltr'], 'none asked: the default');
  });

  test('the cookie the picker sets wins over the browser', async () => {
    const page = await get('/', { 'accept-language': 'de', cookie: 'lang=es' });
    assert.deepEqual(langOf(page.body), ['es', 'ltr']);
    assert.deepEqual(langOf((await get('/', { 'accept-language': 'de', cookie: 'lang=xx' })).body), ['de', 'ltr'], 'an unknown cookie is ignored');
  });

  test('pages vary by language for any cache, and error pages speak it too', async () => {
    const page = await get('/unlock', { 'accept-language': 'fr' });
    assert.match(String(page.headers.vary), /Accept-Language/);
    assert.match(String(page.headers.vary), /Cookie/);
    const missing = await get('/no-such-page', { 'accept-language': 'nl' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(langOf(missing.body), ['nl', 'ltr']);
    assert.match(missing.body, /Hier is geen pagina/);
  });
});

describe('the picker', () => {
  test('every page has plain links to every language, naming each in itself, the current one marked', async () => {
    const page = await get('/change', { 'accept-language': 'de' });
    const links = [...page.body.matchAll(/<a href="(\/language\?[^"]+)" lang="(\w+)" hreflang="\w+"( aria-current="true")?>([^<]+)<\/a>/g)];
    assert.deepEqual(
      links.map(([, , lang, current, name]) => [lang, name, Boolean(current)]),
      [
        ['en', 'English', false],
        ['de', 'Deutsch', true],
        ['fr', 'Français', false],
        ['es', 'Español', false],
        ['nl', 'Nederlands', false],
      ],
    );
    assert.equal(links[2]![1], '/language?lang=fr&amp;return=%2Fchange', 'back to this page');
  });

  test('following a link (no script) sets the cookie and goes back to the page, now in that language', async () => {
    const client = webClient(fixture.portal.app.server);
    const switched = await client.get('/language?lang=fr&return=%2Funlock');
    assert.equal(switched.status, 303);
    assert.equal(switched.location, '/unlock');
    const cookie = String(switched.headers['set-cookie']);
    assert.match(cookie, /^lang=fr;/);
    assert.match(cookie, /Path=\//);
    assert.match(cookie, /SameSite=Lax/);
    assert.equal(client.cookies.get('lang'), 'fr');
    const page = await client.get('/unlock');
    assert.deepEqual(langOf(page.body), ['fr', 'ltr']);
    assert.match(page.body, /Déverrouiller votre compte/);
  });

  test('a page reached by a form goes back to its own address when it has one, else to the start', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/reset');
    const refused = await client.post('/reset', { username: '' });
    assert.match(refused.body, /href="\/language\?lang=de&amp;return=%2Freset"/, 'POST /reset has GET /reset');
    const expired = await client.post('/reset/answer', { answer: 'x' });
    assert.match(expired.body, /href="\/language\?lang=de&amp;return=%2F"/, 'POST /reset/answer has no page of its own');
  });

  test('an unknown language sets nothing and still goes back', async () => {
    const switched = await get('/language?lang=xx&return=%2Freset');
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/reset');
    assert.equal(switched.headers['set-cookie'], undefined);
  });

  test('the return address cannot send anyone to another site (open redirect)', async () => {
    const attacks = [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '\\\\evil.example',
      '/.//evil.example',
      '/%2F%2Fevil.example',
      '/\t/evil.example',
      '/\r\nLocation: https://evil.example',
      'javascript:alert(1)',
      '///evil.example',
      '',
    ];
    for (const attack of attacks) {
      const response = await get(`/language?lang=de&return=${encodeURIComponent(attack)}`);
      const location = String(response.headers.location);
      assert.equal(response.statusCode, 303, attack);
      assert.match(location, /^\/(?![/\\])/, `${JSON.stringify(attack)} → ${location}`);
      assert.equal(new URL(location, 'https://portal.example').origin, 'https://portal.example', `${JSON.stringify(attack)} → ${location}`);
      assert.doesNotMatch(location, /[\r\n]/);
    }
    const repeated = await get('/language?lang=de&return=%2Freset&return=https%3A%2F%2Fevil.example');
    assert.equal(repeated.headers.location, '/', 'a repeated return is no address');
  });

  test('the return address keeps a path and query on the portal', () => {
    assert.equal(safeReturnPath('/helpdesk?q=jsmith'), '/helpdesk?q=jsmith');
    assert.equal(safeReturnPath('/reset/../admin'), '/admin');
    assert.equal(safeReturnPath(['/reset']), '/');
  });

  test('in kiosk mode the picker stays under /pwreset/', async () => {
    const page = await get('/pwreset/reset.html', { 'accept-language': 'de' });
    assert.match(page.body, /href="\/pwreset\/language\.html\?lang=fr&amp;return=%2Freset"/);
    const switched = await get('/pwreset/language.html?lang=fr&return=%2Freset');
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/pwreset/reset.html');
  });
});
