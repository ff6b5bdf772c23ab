import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { normalizeFingerprint, pinnedConnect, tlsOptions } from './tls.ts';

describe('fingerprints', () => {
  const hex = 'ab'.repeat(32);

  test('any common spelling normalises to colon-separated upper case', () => {
    const canonical = `${'AB:'.repeat(31)}AB`;
    assert.equal(normalizeFingerprint(hex), canonical);
    assert.equal(normalizeFingerprint(`SHA256:${canonical.toLowerCase()}`), canonical);
    assert.equal(normalizeFingerprint(`sha-256=${hex}`), canonical);
  });

  test('anything but 64 hex digits is refused', () => {
    assert.throws(() => normalizeFingerprint('ab'.repeat(20)), RangeError); // a SHA-1
    assert.throws(() => normalizeFingerprint('zz'.repeat(32)), RangeError);
  });
});

test('SNI and the name check use a host name, never an IP address', () => {
  assert.equal(tlsOptions('dc1.corp.example', {}).servername, 'dc1.corp.example');
  assert.equal(tlsOptions('127.0.0.1', {}).servername, undefined);
  assert.equal(tlsOptions('::1', {}).servername, undefined);
  assert.equal(tlsOptions('10.0.0.5', { serverName: 'dc1.corp.example' }).servername, 'dc1.corp.example');
  assert.equal(tlsOptions('dc1', {}).minVersion, 'TLSv1.2');
});

describe('a pinned connection against a self-signed server', () => {
  let dir: string;
  let server: tls.Server;
  let fingerprint: string;
  /** Bytes the server received from clients after the handshake. */
  let received: Buffer[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=pinned.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      {
        stdio: 'ignore',
      },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    fingerprint = new X509Certificate(cert).fingerprint256;
    received = [];
    server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const connectAndSend = (pin: string) =>
    new Promise<void>((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const socket = pinnedConnect(pin)(port, '127.0.0.1', {});
      socket.once('secureConnect', () => socket.write('secret bind request', () => socket.end(resolve)));
      socket.once('error', reject);
    });

  test('the right pin connects although no CA vouches for the certificate', async () => {
    received = [];
    await connectAndSend(fingerprint);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(Buffer.concat(received).toString(), 'secret bind request');
  });

  test('a wrong pin fails the handshake before a single byte is sent', async () => {
    received = [];
    await assert.rejects(connectAndSend('00'.repeat(32)), (error: Error & { code?: string }) => error.code === 'CERT_PIN_MISMATCH');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received.length, 0);
  });
});
