/**
 * The headers worked out once are the ones helmet sets on an answer itself, and a portal sends
 * them on pages, on unknown addresses and on refusals alike.
 */
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { PAGE_CSP } from './csp.ts';
import { securityHeaders, sendSecurityHeaders } from './security-headers.ts';

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP },
  referrerPolicy: { policy: 'same-origin' },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  frameguard: { action: 'deny' },
  crossOriginEmbedderPolicy: false,
};

test('the same headers as helmet sets on a real answer', () => {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  response.setHeader('x-powered-by', 'something');
  helmet(OPTIONS)(request, response, () => {});
  const expected = Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
  assert.deepEqual(securityHeaders(OPTIONS), expected);
  assert.match(expected['content-security-policy']!, /default-src 'none'/);
  assert.equal(expected['x-frame-options'], 'DENY');
});

test('HSTS only when asked for', () => {
  assert.equal(securityHeaders({ ...OPTIONS, hsts: false })['strict-transport-security'], undefined);
  assert.match(securityHeaders(OPTIONS)['strict-transport-security']!, /max-age=31536000/);
});

test('every answer carries them: a page, an unknown address, an error', async () => {
  const app = Fastify();
  sendSecurityHeaders(app, OPTIONS);
  app.get('/page', async () => 'page');
  app.get('/broken', async () => {
    throw new Error('broken');
  });
  for (const url of ['/page', '/nowhere', '/broken']) {
    const answer = await app.inject({ url });
    assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/, url);
    assert.equal(answer.headers['referrer-policy'], 'same-origin', url);
  }
  await app.close();
});
