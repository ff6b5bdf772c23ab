/**
 * The web certificate out as a PFX and into another portal: the other portal then serves the
 * same certificate (a TLS client sees the same fingerprint); a wrong password, a damaged file,
 * an expired certificate or one without its key is refused, and nothing is changed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import { loadConfig } from '../config/load.ts';
import { eventually, rejectsWithCode } from '../testing/assertions.ts';
import { exportCertificate, importCertificate } from './pfx.ts';
import { makeSelfSigned } from './self-signed.ts';
import { certificateFiles, readTlsOptions, watchCertificate } from './serving.ts';

const root = mkdtempSync(join(tmpdir(), 'latchkey-pfx-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const PFX_PASSWORD = 'correct horse battery';
const configIn = (name: string) => loadConfig({ env: {}, base: { dataDir: join(root, name) } });

/** A TLS server built from `config`'s certificate files; `fingerprint()` is what a client sees now. */
async function serveTls(config: ReturnType<typeof configIn>) {
  const server = tls.createServer(readTlsOptions(certificateFiles(config)!, 'intermediate'), (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fingerprint = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerX509Certificate()!.fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
  return { server, fingerprint };
}

/** The SHA-256 fingerprint of the certificate a TLS server built from `config`'s files presents. */
async function servedFingerprint(config: ReturnType<typeof configIn>): Promise<string> {
  const { server, fingerprint } = await serveTls(config);
  try {
    return await fingerprint();
  } finally {
    server.close();
  }
}

/** The files of a data folder with their contents, to show that nothing changed. */
const snapshot = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
const tlsFiles = (config: ReturnType<typeof configIn>) =>
  ['cert.pem', 'key.pem'].map((name) => (existsSync(join(config.dataDir, 'tls', name)) ? readFileSync(join(config.dataDir, 'tls', name), 'utf8') : null));

describe('certificate export and import (PFX)', async () => {
  const source = configIn('source');
  const made = await makeSelfSigned(source, ['portal.latchkey.test'], ['127.0.0.1']);
  const pfx = join(root, 'web.pfx');

  test('export writes a 0600 PFX that another data folder imports and serves, same fingerprint', async () => {
    assert.equal(await exportCertificate(source, pfx, PFX_PASSWORD), made.fingerprint);
    assert.equal(statSync(pfx).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(pfx, 'latin1'), /PRIVATE KEY/, 'the key is inside the encrypted PFX, not in PEM');

    const target = configIn('target');
    const installed = await importCertificate(target, pfx, PFX_PASSWORD);
    assert.equal(installed.fingerprint256, made.fingerprint);
    assert.equal(statSync(join(target.dataDir, 'tls', 'key.pem')).mode & 0o777, 0o600);
    assert.equal(await servedFingerprint(target), made.fingerprint);
    assert.equal(await servedFingerprint(target), await servedFingerprint(source));
  });

  test('a running portal swaps the imported certificate in without a restart', async () => {
    await exportCertificate(source, pfx, PFX_PASSWORD);
    const running = configIn('running');
    const own = await makeSelfSigned(running, ['running.latchkey.test'], []);
    const { server, fingerprint } = await serveTls(running);
    const watcher = watchCertificate(server, certificateFiles(running)!, 'intermediate', { info() {}, error() {} }, () => {});
    after(() => {
      watcher.stop();
      server.close();
    });
    assert.equal(await fingerprint(), own.fingerprint);
    await importCertificate(running, pfx, PFX_PASSWORD);
    assert.equal(await eventually(fingerprint, (seen) => seen === made.fingerprint, 10_000), made.fingerprint);
  });

  test('a wrong password, a damaged file or a certificate without its key is refused; nothing changes', async () => {
    await exportCertificate(source, pfx, PFX_PASSWORD);
    const target = configIn('refusals');
    await makeSelfSigned(target, ['old.latchkey.test'], []);
    const before = { files: snapshot(target.dataDir), tls: tlsFiles(target) };
    const unchanged = () => assert.deepEqual({ files: snapshot(target.dataDir), tls: tlsFiles(target) }, before);

    await rejectsWithCode(importCertificate(target, pfx, 'not the password at all'), 'LK_PFX_PASSWORD');
    unchanged();
    const damaged = join(root, 'damaged.pfx');
    writeFileSync(damaged, readFileSync(pfx).subarray(0, 200));
    await rejectsWithCode(importCertificate(target, damaged, PFX_PASSWORD), 'LK_PFX_UNREADABLE');
    writeFileSync(damaged, 'not a pfx at all');
    await rejectsWithCode(importCertificate(target, damaged, PFX_PASSWORD), 'LK_PFX_UNREADABLE');
    unchanged();

    const keyless = join(root, 'keyless.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-nokeys', '-in', made.certFile, '-out', keyless, '-passout', 'env:P'], {
      env: { ...process.env, P: PFX_PASSWORD },
    });
    await rejectsWithCode(importCertificate(target, keyless, PFX_PASSWORD), 'LK_PFX_INVALID');
    unchanged();
  });

  test('an expired certificate is refused; a short password is refused before anything is written', async () => {
    await exportCertificate(source, pfx, PFX_PASSWORD);
    const target = configIn('expired');
    const later = new Date(new X509Certificate(readFileSync(made.certFile)).validTo).getTime() + 1000;
    await rejectsWithCode(importCertificate(target, pfx, PFX_PASSWORD, later), 'LK_PFX_INVALID');
    assert.equal(existsSync(join(target.dataDir, 'tls')), false);

    const short = join(root, 'short.pfx');
    await rejectsWithCode(exportCertificate(source, short, 'short'), 'LK_PFX_PASSWORD_WEAK');
    assert.equal(existsSync(short), false);
  });

  test('a portal serving a PFX of its own (server.tls.pfxFile) exports that certificate', async () => {
    await exportCertificate(source, pfx, PFX_PASSWORD);
    const served = loadConfig({ env: {}, base: { dataDir: join(root, 'pfx-served'), server: { tls: { pfxFile: pfx, pfxPassword: PFX_PASSWORD } } } });
    const again = join(root, 'again.pfx');
    assert.equal(await exportCertificate(served, again, 'another long password'), made.fingerprint);
    assert.equal((await importCertificate(configIn('from-again'), again, 'another long password')).fingerprint256, made.fingerprint);
  });

  test('without openssl on PATH, a coded error says to install it', async (t) => {
    const path = process.env.PATH;
    process.env.PATH = root;
    t.after(() => {
      process.env.PATH = path;
    });
    await rejectsWithCode(exportCertificate(source, join(root, 'no-openssl.pfx'), PFX_PASSWORD), 'LK_PFX_OPENSSL');
    await rejectsWithCode(importCertificate(configIn('no-openssl'), pfx, PFX_PASSWORD), 'LK_PFX_OPENSSL');
    assert.equal(existsSync(join(root, 'no-openssl.pfx')), false);
  });

  test('a portal behind a TLS proxy has no certificate to export; with server.tls set an import is refused', async () => {
    const proxied = loadConfig({ env: {}, base: { dataDir: join(root, 'proxied'), server: { behindTlsProxy: true } } });
    await rejectsWithCode(exportCertificate(proxied, join(root, 'none.pfx'), PFX_PASSWORD), 'LK_PFX_NO_CERTIFICATE');
    const configured = loadConfig({
      env: {},
      base: { dataDir: join(root, 'configured'), server: { tls: { certFile: made.certFile, keyFile: made.keyFile } } },
    });
    await rejectsWithCode(importCertificate(configured, pfx, PFX_PASSWORD), 'LK_PFX_CONFIGURED');
    assert.equal(existsSync(join(configured.dataDir, 'tls')), false);
  });
});
