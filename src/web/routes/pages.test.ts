/**
 * The pages themselves: security headers and cookies, no escape routes to other sites, the
 * client address behind proxies, plain critical-error pages, admin overrides, delivery
 * failures, and the session lifecycle of a flow.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { devDomain, freshPassword } from '../../testing/dev-domain.ts';
import { answerAll, codeSentTo, enroll, verify } from '../../testing/journeys.ts';
import { portalFixture, startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture({ server: { trustedProxies: ['127.0.0.1'] } });

const person = (extra: Record<string, string> = {}) => fixture.person('staff', extra);

const PUBLIC_PAGES = ['/', '/enroll', '/reset', '/unlock', '/change'];

describe('headers and cookies', () => {
  test('a strict CSP without inline script, no framing, no referrer to other sites, no sniffing', async () => {
    for (const path of PUBLIC_PAGES) {
      const page = await webClient(fixture.portal.app.server).get(path);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(page.headers['x-frame-options'], 'DENY', `${path}: the same answer as frame-ancestors 'none'`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, path);
      // Only a page with a new password runs a script, its own live feedback, from the portal itself.
      if (path === '/change') assert.match(csp, /(^|; )script-src 'self'; connect-src 'self'(;|$)/, path);
      else assert.doesNotMatch(csp, /script-src/, path);
      assert.equal(page.headers['referrer-policy'], 'same-origin', path);
      assert.equal(page.headers['x-content-type-options'], 'nosniff', path);
      const scripts = page.body.match(/<script[^>]*>/gi) ?? [];
      assert.ok(
        scripts.every((tag) => /^<script src="\/static\/[\w.-]+\.js" defer>$/.test(tag)),
        `${path}: only the portal's own script files`,
      );
      assert.doesNotMatch(page.body, /\sstyle=|\son[a-z]+=/i, `${path}: no inline style or handler`);
    }
  });

  test('cookies are HttpOnly and SameSite=Strict, and Secure under HTTPS', async () => {
    const client = webClient(fixture.portal.app.server);
    const page = await fixture.portal.app.server.inject({ url: '/reset', headers: { 'x-forwarded-proto': 'https' } });
    const csrfCookie = String(page.headers['set-cookie']);
    assert.match(csrfCookie, /HttpOnly/);
    assert.match(csrfCookie, /SameSite=Strict/);
    assert.match(csrfCookie, /Secure/);
    await client.get('/reset');
    const started = await fixture.portal.app.server.inject({
      method: 'POST',
      url: '/reset',
      headers: {
        'x-forwarded-proto': 'https',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
      payload: new URLSearchParams({ username: 'someone', _csrf: /name="_csrf" value="([^"]+)"/.exec(client.last!.body)![1]! }).toString(),
    });
    const flowCookie = [started.headers['set-cookie']].flat().find((line) => String(line).startsWith('lk_flow='));
    assert.ok(flowCookie);
    assert.match(String(flowCookie), /HttpOnly/);
    assert.match(String(flowCookie), /SameSite=Strict/);
    assert.match(String(flowCookie), /Secure/);
  });
});

describe('no escape routes (kiosk and logon-screen use)', () => {
  test('every link and form of the public pages stays on the portal', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    const bodies = [];
    for (const path of PUBLIC_PAGES) bodies.push((await client.get(path)).body);
    await enroll(client, user);
    await client.get('/reset');
    bodies.push((await client.submit('/reset', { username: user.sam, domain: '' })).body);
    bodies.push((await client.get('/nowhere')).body);
    for (const body of bodies) {
      for (const [, target] of body.matchAll(/(?:href|action|src)="([^"]*)"/g)) {
        assert.match(target!, /^\/(?!\/)|^#/, `a local target: ${target}`);
      }
    }
  });
});

describe('the client address', () => {
  test('X-Forwarded-For is believed from a trusted proxy only', async () => {
    const viaProxy = await fixture.portal.app.server.inject({ url: '/reset', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } });
    const cookie = [viaProxy.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(viaProxy.body)![1]!;
    const post = (remoteAddress: string) =>
      fixture.portal.app.server.inject({
        method: 'POST',
        url: '/reset',
        remoteAddress,
        headers: { 'x-forwarded-for': '203.0.113.9', cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=addr-check&domain=&_csrf=${encodeURIComponent(csrf)}`,
      });
    const since = Date.now();
    await post('127.0.0.1');
    await post('198.51.100.7'); // not a trusted proxy: its X-Forwarded-For is ignored
    const sources = (await fixture.portal.app.store.audit.query({ action: 'reset-requested', from: since })).map((entry) => entry.sourceIp);
    assert.deepEqual(sources.sort(), ['198.51.100.7', '203.0.113.9']);
  });
});

describe('the log', () => {
  test('keeps request paths, not query strings that may carry a typed name', async () => {
    await webClient(fixture.portal.app.server).get('/reset?username=typed-name-4711&domain=CORP');
    const lines = fixture.portal.logLines.join('');
    assert.match(lines, /"path":"\/reset"/);
    assert.doesNotMatch(lines, /typed-name-4711/);
  });
});

describe('links in e-mails', () => {
  test('come from the configured public URL, never from the Host header', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    await verify(client, 'reset', user, { channel: 'email', address: `${user.sam}@${facts.dnsDomain}`, outbox: fixture.portal.outbox });
    const next = freshPassword();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(client.last!.body)![1]!;
    await fixture.portal.app.server.inject({
      method: 'POST',
      url: '/reset/password',
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ password: next, confirm: next, _csrf: csrf }).toString(),
    });
    const notice = await fixture.portal.outbox.waitFor((m) => m.to.includes(`${user.sam}@${facts.dnsDomain}`) && /was reset/.test(m.subject));
    assert.match(notice.text, /https:\/\/passwords\.latchkey\.test/);
    assert.doesNotMatch(notice.text, /evil\.example/);
  });
});

describe('flow sessions', () => {
  test('the session id changes at every step boundary and is gone when the flow ends', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    const ids: string[] = [];
    const sessionId = () => client.cookies.get('lk_flow')!;
    await client.get('/reset');
    const first = await client.submit('/reset', { username: user.sam, domain: '' });
    ids.push(sessionId());
    const channels = await answerAll(client, 'reset', first);
    ids.push(sessionId());
    assert.match(channels.body, /Where should we send/);
    await client.submit('/reset/send', { channel: 'email' });
    ids.push(sessionId());
    assert.equal(new Set(ids).size, ids.length, 'a new id at each step');
    const rows = async () =>
      Number(
        (
          await fixture.portal.app.store.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await rows();
    await client.submit('/reset/code', { code: await codeSentTo(`${user.sam}@${facts.dnsDomain}`, fixture.portal.outbox) });
    const next = freshPassword();
    const done = await client.submit('/reset/password', { password: next, confirm: next });
    assert.match(done.body, /Your password has been changed/, 'the done page, after a redirect');
    assert.match(done.body, /What to do next.*the VPN.*A reset ends the sessions saved with the old password/s, 'what to do next');
    assert.equal(await rows(), before - 1, 'the flow state is destroyed once the done page is shown');
    // Back or a reload after the end: the start page, never the old step nor a form sent again.
    for (const path of ['/reset/verify', '/reset/done']) {
      const stale = await client.get(path);
      assert.equal(stale.status, 303, path);
      assert.equal(stale.location, '/', path);
    }
  });

  test('a first step writes its session once; a later step replaces the stored one, and the old id is dead', async () => {
    const user = await person();
    const client = webClient(fixture.portal.app.server);
    await enroll(client, user);
    const sessions = fixture.portal.app.store.sessions;
    const calls = { set: 0, destroy: 0 };
    const { set, destroy } = sessions;
    sessions.set = (...args) => {
      calls.set += 1;
      return set(...args);
    };
    sessions.destroy = (...args) => {
      calls.destroy += 1;
      return destroy(...args);
    };
    try {
      await client.get('/reset');
      await client.submit('/reset', { username: user.sam, domain: '' });
      assert.deepEqual(calls, { set: 1, destroy: 0 }, 'no delete of an id never stored, no empty row before the real one');
      const firstId = client.cookies.get('lk_flow')!;
      await answerAll(client, 'reset', await client.get('/reset/verify'));
      assert.ok(calls.destroy >= 1, 'the stored session was removed at the boundary');
      assert.notEqual(client.cookies.get('lk_flow'), firstId);
      const replayed = webClient(fixture.portal.app.server);
      replayed.cookies.set('lk_flow', firstId);
      const stale = await replayed.get('/reset/verify');
      assert.equal(stale.status, 303, 'the first id no longer opens the flow');
      assert.equal(stale.headers.location, '/', 'a step with no flow behind it goes to the start');
    } finally {
      Object.assign(sessions, { set, destroy });
    }
  });
});

describe('errors', () => {
  test('a delivery failure is a plain message on the page, and audited', async () => {
    const broken = await startTestPortal();
    try {
      const user = await person();
      const client = webClient(broken.app.server);
      await enroll(client, user);
      await broken.outbox.close(); // the mail server goes away
      await client.get('/reset');
      await answerAll(client, 'reset', await client.submit('/reset', { username: user.sam, domain: '' }));
      const page = await client.submit('/reset/send', { channel: 'email' });
      assert.equal(page.status, 200);
      assert.match(page.body, /We could not send the e-mail/);
      assert.doesNotMatch(page.body, /at \S+\.ts:\d+|ECONNREFUSED|[A-Za-z]Error:/);
      assert.match(page.body, /<title>Error: /, 'the title says the page shows an error');
      const failed = await broken.app.store.audit.query({ action: 'delivery-failed' });
      assert.ok(failed.some((entry) => entry.actor === user.sam && /LK_MAIL_FAILED/.test(entry.detail ?? '')));
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  test('the directory down: a page with a reference that is also in the log, never a stack trace', async () => {
    const down = await startTestPortal({ directory: { urls: ['ldaps://127.0.0.1:1'] } });
    try {
      const client = webClient(down.app.server);
      await client.get('/change');
      const page = await client.submit('/change', { username: 'athompson', oldPassword: 'x', newPassword: 'y', confirm: 'y' });
      assert.equal(page.status, 503);
      assert.match(page.body, /cannot reach the directory right now/);
      const reference = /give them this reference: ([0-9a-f]+)/.exec(page.body)?.[1];
      assert.ok(reference);
      assert.doesNotMatch(page.body, /at \S+\.ts:\d+|ECONNREFUSED|LatchkeyError/);
      assert.ok(down.logLines.some((line) => line.includes(`"reference":"${reference}"`) && line.includes('LK_DIRECTORY_UNREACHABLE')));
    } finally {
      await down.close();
    }
  });

  test('an address with no page is a 404 that says so in words, without the code or a stack', async () => {
    const page = await webClient(fixture.portal.app.server).get('/no-such-page');
    assert.equal(page.status, 404);
    assert.match(page.body, /There is no page here/);
    assert.doesNotMatch(page.body, /LK_|at \S+\.ts:\d+|Error:/);
  });

  test('an oversized or malformed form is a plain refusal', async () => {
    const response = await fixture.portal.app.server.inject({
      method: 'POST',
      url: '/reset',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${'x'.repeat(20_000)}`,
    });
    assert.equal(response.statusCode, 413);
    assert.match(response.body, /could not be read/);
    assert.doesNotMatch(response.body, /FST_|stack/);
  });
});

describe('overrides (resource strings and templates)', () => {
  let custom: TestPortal;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-overrides-'));
    mkdirSync(join(dir, 'strings'));
    mkdirSync(join(dir, 'views'));
    writeFileSync(join(dir, 'strings', 'en.json'), JSON.stringify({ 'menu.heading': 'Hello from Contoso IT' }));
    writeFileSync(join(dir, 'views', 'message.eta'), '<% layout(\'layout\') %><h1 class="custom"><%= it.heading %></h1><p><%= it.body %></p>');
    writeFileSync(join(dir, 'strings', 'de.json'), JSON.stringify({ 'menu.heading': 'Hallo von der Contoso-IT' }));
    mkdirSync(join(dir, 'views', 'de'));
    writeFileSync(join(dir, 'views', 'de', 'message.eta'), '<% layout(\'layout\') %><h1 class="custom-de"><%= it.heading %></h1><p><%= it.body %></p>');
    custom = await startTestPortal({ ui: { overridesDir: dir } });
  });
  after(async () => {
    await custom.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an admin's string replaces the built-in one", async () => {
    const page = await webClient(custom.app.server).get('/');
    assert.match(page.body, /Hello from Contoso IT/);
    assert.doesNotMatch(page.body, /What do you need to do/);
  });

  test("an admin's template replaces the built-in one, others stay", async () => {
    const user = await person();
    const client = webClient(custom.app.server);
    const done = await enroll(client, user);
    assert.match(done.body, /<h1 class="custom">/);
    assert.match(done.body, /<header class="banner">/, 'the built-in layout still wraps it');
  });

  test("an admin's strings and templates are per language", async () => {
    const german = await custom.app.server.inject({ url: '/', headers: { 'accept-language': 'de' } });
    assert.match(german.body, /Hallo von der Contoso-IT/);
    assert.match((await custom.app.server.inject({ url: '/', headers: { 'accept-language': 'fr' } })).body, /Que souhaitez-vous faire/, 'French keeps its own');
    const user = await person();
    const client = webClient(custom.app.server);
    client.cookies.set('lang', 'de');
    await client.get('/me');
    await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
    const signedOut = await client.submit('/me/sign-out', {});
    assert.match(signedOut.body, /<h1 class="custom-de">/, 'the German override of the template');
    assert.match(signedOut.body, /<header class="banner">/, 'inside the built-in layout');
  });
});
