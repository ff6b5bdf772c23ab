/**
 * The staff areas' network limits, attacked from outside: /admin and /helpdesk answer only the
 * listed addresses (judged after trusted proxies), and every other address meets the very page
 * of an unknown address, with the refusal audited once per window.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REFUSAL_AUDIT_WINDOW_MS } from '../flows/staff-networks.ts';
import { saveSettings } from '../testing/admin-console.ts';
import { devDomain } from '../testing/dev-domain.ts';
import { portalFixture } from '../testing/portal.ts';
import { webClient } from '../testing/web-client.ts';

const facts = devDomain();
const PROXY = '10.0.0.1';
const fixture = portalFixture({
  server: { trustedProxies: [PROXY] },
  admin: { allowFrom: ['127.0.0.1', '192.0.2.0/24', '2001:db8:1:2::/64'] },
  helpdesk: { allowFrom: ['198.51.100.7'] },
});

async function fetchFrom(remoteAddress: string, url: string, options: { method?: 'GET' | 'POST'; forwardedFor?: string } = {}) {
  const response = await fixture.portal.app.server.inject({
    method: options.method ?? 'GET',
    url,
    remoteAddress,
    headers: {
      ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
      ...(options.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(options.method === 'POST' ? { payload: 'username=x&password=y' } : {}),
  });
  return { status: response.statusCode, body: response.body };
}

/** What an address gets for a page the portal does not have. */
const unknownPage = (remoteAddress: string, method: 'GET' | 'POST' = 'GET') => fetchFrom(remoteAddress, '/no-such-page', { method });

const refusals = async (category: 'admin' | 'helpdesk', ip: string) =>
  (await fixture.portal.app.store.audit.query({ category, action: 'network-refused' })).filter((entry) => entry.sourceIp === ip);

describe('network limits of the staff areas', () => {
  test('a listed address reaches the admin sign-in; any other gets the unknown-page 404 on every admin route', async () => {
    assert.equal((await fetchFrom('192.0.2.10', '/admin')).status, 200);
    const stranger = '203.0.113.5';
    const notFound = await unknownPage(stranger);
    assert.equal(notFound.status, 404);
    for (const url of ['/admin', '/admin/settings/codes', '/admin/audit', '/admin/anything']) {
      assert.deepEqual(await fetchFrom(stranger, url), notFound, url);
    }
    assert.deepEqual(await fetchFrom(stranger, '/admin/sign-in', { method: 'POST' }), await unknownPage(stranger, 'POST'));
  });

  test('IPv6 ranges, and IPv4 clients on an IPv6 socket, are judged by their address', async () => {
    assert.equal((await fetchFrom('2001:db8:1:2::abcd', '/admin')).status, 200, 'inside the /64');
    assert.equal((await fetchFrom('2001:db8:1:3::1', '/admin')).status, 404, 'the next /64');
    assert.equal((await fetchFrom('::ffff:192.0.2.44', '/admin')).status, 200, 'IPv4-mapped, listed');
    assert.equal((await fetchFrom('::ffff:203.0.113.44', '/admin')).status, 404, 'IPv4-mapped, not listed');
  });

  test('X-Forwarded-For counts from a trusted proxy only', async () => {
    assert.equal((await fetchFrom(PROXY, '/admin', { forwardedFor: '192.0.2.10' })).status, 200, 'forwarded for a listed client');
    assert.equal((await fetchFrom(PROXY, '/admin', { forwardedFor: '203.0.113.6' })).status, 404, 'forwarded for another');
    // A client outside the list claiming to be forwarded for a listed one.
    assert.equal((await fetchFrom('203.0.113.7', '/admin', { forwardedFor: '192.0.2.10' })).status, 404);
    assert.equal((await refusals('admin', '203.0.113.6')).length, 1, 'the refusal names the forwarded client');
  });

  test('refusals are audited in the area trail, once per address within the window', async () => {
    const scanner = '203.0.113.8';
    for (let i = 0; i < 3; i++) await fetchFrom(scanner, '/admin');
    const entries = await refusals('admin', scanner);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.outcome, 'refused');
    assert.match(entries[0]!.detail ?? '', /^\/admin/);
    fixture.portal.advanceClock(REFUSAL_AUDIT_WINDOW_MS);
    await fetchFrom(scanner, '/admin/sign-in', { method: 'POST' });
    assert.equal((await refusals('admin', scanner)).length, 2, 'audited again in the next window');
  });

  test('the helpdesk has its own list, for all its routes', async () => {
    assert.equal((await fetchFrom('198.51.100.7', '/helpdesk')).status, 200);
    const admitted = '192.0.2.10'; // let into /admin, not into /helpdesk
    const notFound = await unknownPage(admitted);
    assert.deepEqual(await fetchFrom(admitted, '/helpdesk'), notFound);
    assert.deepEqual(await fetchFrom(admitted, '/helpdesk/users/00000000-0000-0000-0000-000000000000'), notFound);
    assert.deepEqual(await fetchFrom(admitted, '/helpdesk/sign-in', { method: 'POST' }), await unknownPage(admitted, 'POST'));
    assert.equal((await refusals('helpdesk', admitted)).length, 1);
    assert.equal((await fetchFrom(admitted, '/reset')).status, 200, 'the public pages stay open to all');
  });

  test('the console refuses a bad helpdesk list on its field and applies a good one at once', async () => {
    const client = webClient(fixture.portal.app.server);
    await client.get('/admin');
    await client.submit('/admin/sign-in', { username: facts.admins.member, domain: '', password: facts.userPassword });
    const bad = await saveSettings(client, 'helpdesk', { 'field:allowFrom': '198.51.100.7\n10.0.0.0/33\nnot-an-address' });
    assert.match(bad.body, /href="#field:allowFrom[^"]*">[^<]*prefix length/);
    assert.match(bad.body, /must be an IP address or a CIDR range/);
    assert.deepEqual(fixture.portal.app.runtime.settings.current().helpdesk.allowFrom, ['198.51.100.7'], 'nothing saved');

    assert.equal((await fetchFrom('203.0.113.99', '/helpdesk')).status, 404, 'not listed yet');
    const good = await saveSettings(client, 'helpdesk', { 'field:allowFrom': '198.51.100.7\n203.0.113.0/24' });
    assert.doesNotMatch(good.body, /aria-invalid="true"/);
    assert.equal((await fetchFrom('203.0.113.99', '/helpdesk')).status, 200, 'in force at once');
    const changes = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });
    assert.ok(
      changes.some((entry) => entry.detail === 'helpdesk.allowFrom: ["198.51.100.7"] → ["198.51.100.7","203.0.113.0/24"]'),
      'audited',
    );
  });
});
