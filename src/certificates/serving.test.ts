/**
 * The TLS profiles as a client meets them: what a handshake offering only one protocol or one
 * cipher suite gets from a server with the profile's options, checked against a server with
 * Node's defaults (which accepts them all) so that a refusal is the profile's doing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import { loadConfig } from '../config/load.ts';
import { makeSelfSigned } from './self-signed.ts';
import { readTlsOptions, type TlsProfile, watchCertificate } from './serving.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
const servers: tls.Server[] = [];
after(() => {
  for (const server of servers) server.close();
  rmSync(dataDir, { recursive: true, force: true });
});
const files = await makeSelfSigned(loadConfig({ env: {}, base: { dataDir } }), ['portal.latchkey.test'], ['127.0.0.1']);
const ca = readFileSync(files.certFile);

async function listen(options: tls.TlsOptions): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(options, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** What the client gets offering only `offer`: the protocol and suite, or the refusal. */
function handshake(port: number, offer: Pick<tls.ConnectionOptions, 'minVersion' | 'maxVersion' | 'ciphers'>): Promise<string> {
  return new Promise((resolve) => {
    // Security level 0 lets this client offer what OpenSSL 3 would not: refusals are the server's.
    const socket = tls.connect(
      { host: '127.0.0.1', port, ca, servername: 'portal.latchkey.test', ...offer, ciphers: `${offer.ciphers ?? 'DEFAULT'}:@SECLEVEL=0` },
      () => {
        resolve(`${socket.getProtocol()} ${socket.getCipher().standardName}`);
        socket.end();
      },
    );
    socket.on('error', (error) => resolve(`refused (${(error as NodeJS.ErrnoException).code ?? error.message})`));
  });
}

/** Handshakes a well-configured server must refuse: old protocols, CBC, static-RSA key exchange. */
const OBSOLETE: Record<string, Parameters<typeof handshake>[1]> = {
  'TLS 1.1': { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' },
  'TLS 1.2, static RSA with CBC (TLS_RSA_WITH_AES_256_CBC_SHA)': { maxVersion: 'TLSv1.2', ciphers: 'AES256-SHA' },
  'TLS 1.2, static RSA with GCM (TLS_RSA_WITH_AES_128_GCM_SHA256)': { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' },
  'TLS 1.2, ECDHE with CBC (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256)': { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256' },
  'TLS 1.2, DHE (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256)': { maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256' },
};

const profileServer = (profile: TlsProfile) => listen(readTlsOptions(files, profile));

describe('TLS profiles', () => {
  test('the client can offer each obsolete handshake (Node with TLS 1.0 allowed accepts them)', async () => {
    const { port } = await listen({
      cert: readFileSync(files.certFile),
      key: readFileSync(files.keyFile),
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      dhparam: 'auto',
    });
    for (const [name, offer] of Object.entries(OBSOLETE)) assert.doesNotMatch(await handshake(port, offer), /refused/, name);
  });

  test('intermediate: TLS 1.3, and TLS 1.2 with ECDHE and AEAD only', async () => {
    const { port } = await profileServer('intermediate');
    for (const [name, offer] of Object.entries(OBSOLETE)) assert.match(await handshake(port, offer), /^refused/, name);
    assert.equal(await handshake(port, {}), 'TLSv1.3 TLS_AES_256_GCM_SHA384');
    assert.equal(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), 'TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(
      await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }),
      'TLSv1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    );
  });

  test('the client chooses among the offered suites (a phone without AES hardware picks ChaCha20)', async () => {
    const { port } = await profileServer('intermediate');
    const chachaFirst = 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384';
    assert.equal(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: chachaFirst }), 'TLSv1.2 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
  });

  test('modern: TLS 1.3 only', async () => {
    const { port } = await profileServer('modern');
    assert.match(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), /^refused/);
    assert.match(await handshake(port, {}), /^TLSv1\.3 /);
  });

  test('a reloaded certificate keeps the profile; a bad one is refused with its code and the old one stays', async () => {
    const { server, port } = await profileServer('intermediate');
    const logged: { level: string; details: object }[] = [];
    const log = { info: (details: object) => logged.push({ level: 'info', details }), error: (details: object) => logged.push({ level: 'error', details }) };
    let swaps = 0;
    const reloader = watchCertificate(server, files, 'intermediate', log, () => swaps++);
    after(() => reloader.stop());
    assert.equal(reloader.reload('test'), true);
    assert.equal(swaps, 1);
    assert.match(await handshake(port, OBSOLETE['TLS 1.2, static RSA with CBC (TLS_RSA_WITH_AES_256_CBC_SHA)']!), /^refused/);

    const other = await makeSelfSigned(loadConfig({ env: {}, base: { dataDir: join(dataDir, 'other') } }), ['other.latchkey.test'], []);
    const mismatched = { certFile: files.certFile, keyFile: other.keyFile };
    assert.throws(
      () => readTlsOptions(mismatched, 'intermediate'),
      (error: Error & { code?: string }) => error.code === 'LK_TLS_FILES' && /key values mismatch/.test(error.message),
    );
    writeFileSync(join(dataDir, 'bad.pem'), 'not a key');
    const broken = watchCertificate(server, { certFile: files.certFile, keyFile: join(dataDir, 'bad.pem') }, 'intermediate', log, () => swaps++);
    after(() => broken.stop());
    assert.equal(broken.reload('test'), false);
    assert.equal(swaps, 1);
    assert.match(JSON.stringify(logged.at(-1)), /"level":"error".*LK_TLS_FILES/);
    assert.equal(await handshake(port, {}), 'TLSv1.3 TLS_AES_256_GCM_SHA384', 'the previous certificate is still served');
  });
});
