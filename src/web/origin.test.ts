/**
 * The portal's own origin, attacked: cookies that a proxy's plain HTTP or a cross-site link
 * could weaken, and forms that another site's page posts with a valid CSRF token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { portalFixture, startTestPortal, type TestPortal } from '../testing/portal.ts';
import { type Page, webClient } from '../testing/web-client.ts';

const fixture = portalFixture();
/** Plain HTTP behind a declared TLS proxy, which is not among trustedProxies (so X-Forwarded-Proto is not believed). */
let proxied: TestPortal;
/** No public URL and no TLS, as the demo on a loopback address. */
let plain: TestPortal;
before(async () => {
  proxied = await startTestPortal({ server: { publicUrl: undefined, behindTlsProxy: true } });
  plain = await startTestPortal({ server: { publicUrl: undefined } });
});
after(async () => {
  await proxied?.close();
  await plain?.close();
});

/** The Set-Cookie lines of a page, by cookie name. */
function setCookies(page: Page): Map<string, string> {
  const lines = [page.headers['set-cookie'] ?? []].flat().map(String);
  return new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

/** The cookies of a page view and of the first step of a reset (which starts the flow session). */
async function cookiesOfFirstStep(portal: TestPortal, headers: Record<string, string> = {}): Promise<Map<string, string>> {
  const client = webClient(portal.app.server);
  const form = await client.get('/reset');
  const started = await client.post('/reset', { username: 'someone', domain: '' }, { headers });
  assert.equal(started.status, 303);
  const cookies = new Map([...setCookies(form), ...setCookies(started)]);
  assert.deepEqual([...cookies.keys()].sort(), ['lk_csrf', 'lk_flow']);
  return cookies;
}

describe('cookies', () => {
  test('with an https public URL every cookie is Secure and SameSite=Strict, though the request came as plain HTTP', async () => {
    for (const [name, line] of await cookiesOfFirstStep(fixture.portal)) {
      assert.match(line, /; Secure/, name);
      assert.match(line, /; SameSite=Strict/, name);
      assert.match(line, /; HttpOnly/, name);
    }
  });

  test('a signed-in session (the same cookie for /me, the helpdesk and the console) is Secure and Strict too', async () => {
    const user = await fixture.person();
    const client = webClient(fixture.portal.app.server);
    await client.get('/me');
    const signedIn = await client.post('/me/sign-in', { username: user.sam, domain: '', password: user.password });
    assert.equal(signedIn.location, '/me');
    const session = setCookies(signedIn).get('lk_flow');
    assert.ok(session);
    assert.match(session, /; Secure/);
    assert.match(session, /; SameSite=Strict/);
  });

  test('behind a TLS proxy that is not a trusted proxy, every cookie is Secure and Strict, and HSTS is sent', async () => {
    const cookies = await cookiesOfFirstStep(proxied, { 'x-forwarded-proto': 'http' });
    for (const [name, line] of cookies) {
      assert.match(line, /; Secure/, name);
      assert.match(line, /; SameSite=Strict/, name);
    }
    const page = await webClient(proxied.app.server).get('/');
    assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
  });

  test('over plain HTTP without a public URL (demo) cookies are not Secure, and still SameSite=Strict', async () => {
    for (const [name, line] of await cookiesOfFirstStep(plain)) {
      assert.doesNotMatch(line, /; Secure/, name);
      assert.match(line, /; SameSite=Strict/, name);
    }
  });
});

describe('forms posted from another site', () => {
  const refusals: Record<string, Record<string, string>> = {
    'another origin': { origin: 'https://evil.example' },
    'the opaque origin of a sandboxed frame': { origin: 'null' },
    'the same host over plain HTTP': { origin: 'http://passwords.latchkey.test' },
    'a sibling host': { origin: 'https://evil.latchkey.test' },
    'Sec-Fetch-Site: cross-site without Origin': { 'sec-fetch-site': 'cross-site' },
    'Sec-Fetch-Site: cross-site with the right Origin': { origin: 'https://passwords.latchkey.test', 'sec-fetch-site': 'cross-site' },
  };

  test('a valid CSRF token is refused with a plain coded page, and no flow starts', async () => {
    for (const [kind, headers] of Object.entries(refusals)) {
      const client = webClient(fixture.portal.app.server);
      await client.get('/reset');
      const page = await client.post('/reset', { username: 'athompson', domain: '' }, { headers });
      assert.equal(page.status, 403, kind);
      assert.equal(page.location, undefined, kind);
      assert.match(page.body, /This form was sent from another website, so it was not accepted/, kind);
      assert.doesNotMatch(page.body, /LatchkeyError|at .*\.ts:\d+/, `${kind}: no stack trace`);
      assert.ok(!setCookies(page).has('lk_flow'), `${kind}: no flow session`);
    }
  });

  test('every state-changing page is guarded, signed-in ones included', async () => {
    for (const path of ['/enroll', '/change', '/unlock', '/me/sign-in', '/me/sign-out', '/helpdesk/sign-in', '/admin/sign-in']) {
      const client = webClient(fixture.portal.app.server);
      await client.get('/reset');
      const page = await client.post(path, {}, { headers: { origin: 'https://evil.example' } });
      assert.equal(page.status, 403, path);
      assert.match(page.body, /sent from another website/, path);
    }
  });

  test("the portal's own origin, or no Origin at all (old browsers, scripts), still goes through with the token", async () => {
    const accepted: Record<string, string>[] = [
      { origin: 'https://passwords.latchkey.test', 'sec-fetch-site': 'same-origin' },
      { origin: 'https://PASSWORDS.latchkey.test:443' },
      {},
    ];
    for (const headers of accepted) {
      const client = webClient(fixture.portal.app.server);
      await client.get('/reset');
      const page = await client.post('/reset', { username: 'athompson', domain: '' }, { headers });
      assert.equal(page.status, 303, JSON.stringify(headers));
    }
  });

  test('the page’s own host is the portal too, beside the public URL (the demo opened as localhost)', async () => {
    const demoLike = await startTestPortal({ server: { publicUrl: 'http://127.0.0.1:8080' } });
    try {
      const post = async (host: string, origin: string) => {
        const client = webClient(demoLike.app.server);
        await client.get('/reset');
        return (await client.post('/reset', { username: 'athompson', domain: '' }, { headers: { host, origin } })).status;
      };
      assert.equal(await post('localhost:8080', 'http://localhost:8080'), 303);
      assert.equal(await post('127.0.0.1:8080', 'http://127.0.0.1:8080'), 303);
      assert.equal(await post('localhost:8080', 'http://evil.example'), 403, 'another site is still refused');
    } finally {
      await demoLike.close();
    }
  });

  test('without a public URL the origin is the request’s own scheme and host', async () => {
    const post = async (target: TestPortal, headers: Record<string, string>) => {
      const client = webClient(target.app.server);
      await client.get('/reset');
      return (await client.post('/reset', { username: 'athompson', domain: '' }, { headers: { host: 'portal.latchkey.test:8080', ...headers } })).status;
    };
    assert.equal(await post(plain, { origin: 'http://portal.latchkey.test:8080' }), 303);
    assert.equal(await post(plain, { origin: 'http://evil.example:8080' }), 403);
    assert.equal(await post(plain, { origin: 'https://portal.latchkey.test:8080' }), 403, 'another scheme is another origin');
    // Behind a TLS proxy the browser's origin is https, whatever the proxy's connection says.
    assert.equal(await post(proxied, { origin: 'https://portal.latchkey.test:8080' }), 303);
    assert.equal(await post(proxied, { origin: 'http://portal.latchkey.test:8080' }), 403);
  });
});
