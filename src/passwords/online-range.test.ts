import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { sha1Hex } from '../testing/breached-lists.ts';
import { MAX_ANSWER_BYTES, onlineCount } from './online-range.ts';

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections();
  return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
}

const breached = sha1Hex('hunter2');
const requests: { url: string; padding: string | undefined }[] = [];

/** Speaks the range API: the listed hashes under the prefix, then padding entries of count 0. */
const rangeUrl = await serve((request, response) => {
  requests.push({ url: request.url!, padding: request.headers['add-padding'] as string | undefined });
  const prefix = request.url!.slice('/range/'.length);
  const listed = [breached, sha1Hex('correct horse'), sha1Hex('letmein')].filter((hash) => hash.startsWith(prefix));
  const lines = listed.map((hash, i) => `${hash.slice(5)}:${(i + 1) * 1234}`);
  if (request.headers['add-padding'] === 'true') {
    // Padding may even repeat the suffix asked about, with count 0: it must not count.
    lines.push(`${sha1Hex('pad').slice(5)}:0`, `${sha1Hex('never listed').slice(5)}:0`, `${breached.slice(5)}:0`);
  }
  response.setHeader('content-type', 'text/plain');
  response.end(lines.join('\r\n'));
});

test('a listed password is found with its count; only the first 5 hex digits are sent, with Add-Padding', async () => {
  requests.length = 0;
  assert.deepEqual(await onlineCount(breached, { url: rangeUrl, timeoutMs: 2000 }), { reached: true, count: 1234 });
  assert.deepEqual(requests, [{ url: `/range/${breached.slice(0, 5)}`, padding: 'true' }]);
  assert.ok(!requests[0]!.url.includes(breached.slice(5, 10)), 'no more of the hash leaves');
});

test('padding entries (count 0) and other suffixes are not the password', async () => {
  assert.deepEqual(await onlineCount(sha1Hex('never listed'), { url: rangeUrl, timeoutMs: 2000 }), { reached: true, count: 0 });
  assert.deepEqual(await onlineCount(sha1Hex('pad'), { url: rangeUrl.slice(0, -1), timeoutMs: 2000 }), { reached: true, count: 0 });
});

test('a server that hangs is given up after the timeout', async () => {
  const hanging = await serve(() => undefined);
  const started = performance.now();
  const answer = await onlineCount(breached, { url: hanging, timeoutMs: 300 });
  assert.deepEqual(answer, { reached: false, reason: 'no answer within 300 ms' });
  assert.ok(performance.now() - started < 2000);
});

test('a server that stalls in the middle of its answer is given up too', async () => {
  const stalling = await serve((_request, response) => {
    response.write(`${breached.slice(5)}:1\r\n`);
  });
  assert.deepEqual(await onlineCount(sha1Hex('x'), { url: stalling, timeoutMs: 300 }), { reached: false, reason: 'no answer within 300 ms' });
});

test('an error status, an answer that is no range, and a refused connection are unreachable', async () => {
  const failing = await serve((_request, response) => {
    response.statusCode = 500;
    response.end('oops');
  });
  assert.deepEqual(await onlineCount(breached, { url: failing, timeoutMs: 2000 }), { reached: false, reason: 'HTTP 500' });
  const portal = await serve((_request, response) => response.end('<html>Sign in to the Wi-Fi</html>'));
  assert.deepEqual(await onlineCount(breached, { url: portal, timeoutMs: 2000 }), { reached: false, reason: 'the answer is not a range' });
  const closed = await serve(() => undefined);
  const server = servers.at(-1)!;
  await new Promise((resolve) => server.close(resolve));
  const answer = await onlineCount(breached, { url: closed, timeoutMs: 2000 });
  assert.equal(answer.reached, false);
  assert.match((answer as { reason: string }).reason, /ECONNREFUSED/);
});

test('an answer that does not end is given up once it passes the size a range can have, before the timeout', async () => {
  let sent = 0;
  const endless = await serve((_request, response) => {
    const line = Buffer.from(`${'A'.repeat(35)}:1\r\n`.repeat(1000));
    const more = () => {
      while (!response.destroyed && response.write(line)) sent += line.length;
      if (!response.destroyed) response.once('drain', more);
    };
    more();
  });
  const started = performance.now();
  const answer = await onlineCount(breached, { url: endless, timeoutMs: 10_000 });
  assert.deepEqual(answer, { reached: false, reason: `an answer larger than ${MAX_ANSWER_BYTES} bytes` });
  assert.ok(performance.now() - started < 5000, 'well before the timeout');
  assert.ok(sent < 64 * MAX_ANSWER_BYTES, `the rest was not read: ${sent} bytes sent`);
});
