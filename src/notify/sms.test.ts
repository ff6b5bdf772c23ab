import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { rejectsWithCode } from '../testing/assertions.ts';
import { createSmsSender, type HttpGatewaySettings } from './sms.ts';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const CODE = '731904';
const TEXT = `Your Latchkey code is ${CODE}. Ünïcode, "quotes" & more\nline two`;

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const twilioError = (status: number, code: number, message: string) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

/** Answers like Twilio's Messages API: checks the path, the Basic auth and the form as Twilio does. */
function twilio(request: Recorded): [number, unknown] {
  const sid = /^(?:\/proxy)?\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path)?.[1];
  if (request.method !== 'POST' || !sid) {
    return [404, twilioError(404, 20404, `The requested resource ${request.path} was not found`)];
  }
  const [user, password] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
    .toString()
    .split(':');
  if (user !== ACCOUNT_SID || sid !== ACCOUNT_SID || password !== AUTH_TOKEN) {
    return [401, twilioError(401, 20003, 'Authenticate')];
  }
  const form = new URLSearchParams(request.body);
  const to = form.get('To') ?? '';
  // +15005550001 is Twilio's documented test number for "invalid To".
  if (!/^\+[1-9]\d{7,14}$/.test(to) || to === '+15005550001') {
    return [400, twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`)];
  }
  if (!form.get('From') && !form.get('MessagingServiceSid')) {
    return [400, twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")];
  }
  return [
    201,
    {
      sid: `SM${randomBytes(16).toString('hex')}`,
      account_sid: sid,
      to,
      from: form.get('From'),
      messaging_service_sid: form.get('MessagingServiceSid'),
      body: form.get('Body'),
      // Twilio says "accepted" for a Messaging Service (it picks the sender later), "queued" otherwise.
      status: form.get('MessagingServiceSid') ? 'accepted' : 'queued',
      api_version: '2010-04-01',
      error_code: null,
      error_message: null,
    },
  ];
}

describe('SMS over HTTP gateways on 127.0.0.1', () => {
  let server: http.Server;
  let base: string;
  let requests: Recorded[];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const request = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        requests.push(request);
        if (url.pathname.startsWith('/hang')) return; // never answers
        if (url.pathname === '/gw/fail') {
          // Echoes the request, as some gateways do in their errors.
          res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`cannot deliver ${request.body} ${url.search}`);
          return;
        }
        if (url.pathname === '/gw/moved') {
          res.writeHead(302, { Location: '/gw/elsewhere' }).end();
          return;
        }
        if (url.pathname.startsWith('/gw/')) {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
          return;
        }
        const [status, answer] = twilio(request);
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    requests = [];
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Asserts that nothing about the error, however deeply inspected, holds a secret or the message. */
  function assertNoSecrets(error: unknown) {
    const everything = inspect(error, { depth: Infinity, showHidden: true }) + JSON.stringify(error);
    assert.ok(!everything.includes(AUTH_TOKEN), 'the auth token must not appear in the error');
    assert.ok(!everything.includes(Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')), 'nor the Basic credentials');
    assert.ok(!everything.includes(CODE), 'the message (and its code) must not appear in the error');
  }

  describe('Twilio', () => {
    const sender = (overrides: { from?: string; authToken?: string; apiBase?: string; timeoutMs?: number } = {}) =>
      createSmsSender({
        provider: 'twilio',
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: '+15550100000',
        apiBase: base,
        ...overrides,
      });

    test('the request is exactly what the Messages API expects', async () => {
      await sender().send({ to: '+1 (555) 010-0999', body: TEXT });
      assert.equal(requests.length, 1);
      const request = requests[0]!;
      assert.equal(request.method, 'POST');
      assert.equal(request.path, `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
      assert.equal(request.headers.authorization, `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
      assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(request.body)), {
        To: '+15550100999',
        From: '+15550100000',
        Body: TEXT,
      });
    });

    test('a Messaging Service SID is sent as MessagingServiceSid, not From', async () => {
      await sender({ from: SERVICE_SID }).send({ to: '+15550100999', body: TEXT });
      const form = new URLSearchParams(requests[0]!.body);
      assert.equal(form.get('MessagingServiceSid'), SERVICE_SID);
      assert.equal(form.has('From'), false);
    });

    test('an apiBase with a path (a proxy) keeps it', async () => {
      await sender({ apiBase: `${base}/proxy/` }).send({ to: '+15550100999', body: TEXT });
      assert.equal(requests[0]!.path, `/proxy/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    });

    test("Twilio's refusal is LK_SMS_FAILED with Twilio's code and words for the admin", async () => {
      const error = await rejectsWithCode(sender().send({ to: '+15005550001', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.message, 'We could not send the text message. Try again in a few minutes, or choose another way to receive the code.');
      assert.deepEqual(error.details, {
        provider: 'twilio',
        server: `${base}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
        reason: 'rejected',
        status: 400,
        providerCode: 21211,
        providerMessage: "The 'To' number +15005550001 is not a valid phone number.",
        moreInfo: 'https://www.twilio.com/docs/errors/21211',
      });
      assertNoSecrets(error);
    });

    test('a wrong auth token is refused by Twilio, and the token appears nowhere in the error', async () => {
      const wrongToken = 'badbadbadbadbadbadbadbadbadbadba';
      const error = await rejectsWithCode(sender({ authToken: wrongToken }).send({ to: '+15550100999', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.details.status, 401);
      assert.equal(error.details.providerCode, 20003);
      assert.ok(!inspect(error, { depth: Infinity, showHidden: true }).includes(wrongToken));
      assertNoSecrets(error);
    });

    test('a 2xx answer that is not a new message (a wrong apiBase, a proxy) is not taken for sent', async () => {
      const error = await rejectsWithCode(sender({ apiBase: `${base}/gw` }).send({ to: '+15550100999', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.details.reason, 'bad-response');
      assert.equal(error.details.status, 200);
    });

    test('a gateway that never answers times out into LK_SMS_FAILED', async () => {
      const started = Date.now();
      const error = await rejectsWithCode(sender({ apiBase: `${base}/hang`, timeoutMs: 300 }).send({ to: '+15550100999', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.details.reason, 'timeout');
      assert.ok(Date.now() - started < 3000, 'the configured timeout applies');
      assert.equal(requests.length, 1, 'the request did reach the server');
      assertNoSecrets(error);
    });

    test('an invalid number is refused before any request', async () => {
      for (const to of ['07700 900123', '+44 20', '+1 555 CALL NOW', '+1234567890123456']) {
        await rejectsWithCode(sender().send({ to, body: TEXT }), 'LK_SMS_NUMBER_INVALID');
      }
      assert.equal(requests.length, 0);
    });
  });

  describe('generic HTTP gateway', () => {
    const gateway = (overrides: Partial<HttpGatewaySettings>) =>
      createSmsSender({
        provider: 'http',
        url: `${base}/gw/send`,
        method: 'POST',
        headers: { Authorization: 'Bearer gateway-key' },
        body: '',
        ...overrides,
      });
    // Each tries to add or overwrite a field of the request's structure.
    const injections = [`${TEXT}", "to": "+19999999999`, `${TEXT}&to=%2B19999999999&to=+19999999999&key=stolen`, `${TEXT}\\", \\"to\\": 1} {{to}} #frag ?x=1`];

    test('JSON: placeholders are JSON-escaped, so the message cannot add or change fields', async () => {
      const sender = gateway({
        contentType: 'application/json',
        body: '{"to": "{{to}}", "text": "{{ message }}", "sender": "Latchkey"}',
      });
      for (const message of injections) {
        requests = [];
        await sender.send({ to: '+44 7700-900.123', body: message });
        assert.equal(requests[0]!.headers['content-type'], 'application/json');
        assert.equal(requests[0]!.headers.authorization, 'Bearer gateway-key');
        assert.deepEqual(JSON.parse(requests[0]!.body), { to: '+447700900123', text: message, sender: 'Latchkey' });
      }
    });

    test('form: placeholders are form-encoded, so "&" and "+" in the message stay in the message', async () => {
      const sender = gateway({
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'to={{to}}&text={{message}}&key=k1',
      });
      for (const message of injections) {
        requests = [];
        await sender.send({ to: '+447700900123', body: message });
        const form = new URLSearchParams(requests[0]!.body);
        assert.deepEqual([...form.keys()], ['to', 'text', 'key']);
        assert.equal(form.get('to'), '+447700900123', 'a raw "+" would arrive as a space');
        assert.equal(form.get('text'), message);
        assert.equal(form.get('key'), 'k1');
      }
    });

    test('GET: placeholders in the URL are URL-encoded, and no body is sent', async () => {
      const sender = gateway({ method: 'GET', url: `${base}/gw/get?to={{to}}&text={{message}}&key=k1`, body: 'ignored' });
      for (const message of injections) {
        requests = [];
        await sender.send({ to: '+447700900123', body: message });
        const { method, path, query, body } = requests[0]!;
        assert.equal(method, 'GET');
        assert.equal(path, '/gw/get');
        assert.deepEqual([...query.keys()], ['to', 'text', 'key']);
        assert.equal(query.get('to'), '+447700900123');
        assert.equal(query.get('text'), message);
        assert.equal(body, '');
      }
    });

    test('XML: placeholders are entity-escaped', async () => {
      const sender = gateway({ contentType: 'text/xml', body: '<sms><to>{{to}}</to><text>{{message}}</text></sms>' });
      await sender.send({ to: '+447700900123', body: 'a</text><to>+1999</to><text>b & "c"' });
      assert.equal(
        requests[0]!.body,
        '<sms><to>+447700900123</to><text>a&lt;/text&gt;&lt;to&gt;+1999&lt;/to&gt;&lt;text&gt;b &amp; &quot;c&quot;</text></sms>',
      );
    });

    test('other content types get the values as they are', async () => {
      await gateway({ contentType: 'text/plain', body: '{{to}}: {{message}}' }).send({ to: '+447700900123', body: TEXT });
      assert.equal(requests[0]!.body, `+447700900123: ${TEXT}`);
    });

    test('a non-2xx answer is LK_SMS_FAILED with the status, and the echoed message is not kept', async () => {
      const sender = gateway({ url: `${base}/gw/fail?key=secret-in-query`, contentType: 'application/json', body: '{"text":"{{message}}"}' });
      const error = await rejectsWithCode(sender.send({ to: '+447700900123', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.details.provider, 'http');
      assert.equal(error.details.reason, 'rejected');
      assert.equal(error.details.status, 503);
      assert.equal(error.details.server, `${base}/gw/fail`, 'the query (which may hold a key) is left out');
      assert.ok(!inspect(error, { depth: Infinity }).includes('secret-in-query'));
      assert.ok(!inspect(error, { depth: Infinity }).includes('gateway-key'));
      assertNoSecrets(error);
    });

    test('a redirect is reported, not followed', async () => {
      const error = await rejectsWithCode(gateway({ url: `${base}/gw/moved`, body: '{{message}}' }).send({ to: '+447700900123', body: TEXT }), 'LK_SMS_FAILED');
      assert.equal(error.details.status, 302);
      assert.deepEqual(
        requests.map((r) => r.path),
        ['/gw/moved'],
      );
    });

    test('a gateway nobody listens on is unreachable', async () => {
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise((resolve) => probe.close(resolve));
      const error = await rejectsWithCode(
        gateway({ url: `http://127.0.0.1:${port}/send`, body: '{{message}}' }).send({ to: '+447700900123', body: TEXT }),
        'LK_SMS_FAILED',
      );
      assert.equal(error.details.reason, 'unreachable');
      assert.match(String(error.details.error), /ECONNREFUSED/);
    });

    test('settings that cannot work are refused when the sender is made', () => {
      assert.throws(() => gateway({ url: 'ftp://127.0.0.1/send' }), { code: 'LK_SMS_CONFIG' });
      assert.throws(() => gateway({ url: 'not a url' }), { code: 'LK_SMS_CONFIG' });
      // An unquoted placeholder would make every message invalid JSON.
      assert.throws(() => gateway({ contentType: 'application/json', body: '{"text": {{message}}}' }), { code: 'LK_SMS_CONFIG' });
      assert.throws(() => createSmsSender({ provider: 'twilio', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: 'x', apiBase: 'file:///etc' }), {
        code: 'LK_SMS_CONFIG',
      });
    });
  });
});
