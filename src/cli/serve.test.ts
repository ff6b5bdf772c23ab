/**
 * Serving for real: HTTPS with the certificate `latchkey init` makes (TLS 1.2 at least, HSTS),
 * the redirect from HTTP, certificates swapped without a restart, plain HTTP refused unless a
 * TLS proxy is declared, the operations endpoints, and a graceful stop.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import { type App, createApp } from '../app.ts';
import { generatedCertificate, makeSelfSigned } from '../certificates/self-signed.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { devDomain } from '../testing/dev-domain.ts';
import { httpsGet, resetInFlight } from '../testing/https.ts';
import { freePort } from '../testing/ports.ts';
import { webClient } from '../testing/web-client.ts';
import { devDirectorySettings } from './demo.ts';
import { runInit } from './init.ts';
import { serve } from './serve.ts';

const facts = devDomain();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function configFor(dataDir: string, server: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    base: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, publicUrl: 'https://passwords.latchkey.test', ...server },
      directory: devDirectorySettings(facts),
      protection: { responseDelayMs: { min: 0, max: 0 } },
      ...extra,
    },
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-serve-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('HTTPS served by Latchkey', () => {
  test('init makes a certificate for the host name and every local address, without a wildcard', async () => {
    const config = configFor(tempDir());
    const lines: string[] = [];
    await runInit(config, { out: (line) => lines.push(line) });
    const cert = new X509Certificate(readFileSync(generatedCertificate(config).certFile));
    assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:${hostname()}`));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.doesNotMatch(cert.subjectAltName ?? '', /\*/);
    assert.ok(
      lines.some((line) => /SHA-256 fingerprint [0-9A-F:]{95}/.test(line)),
      'the DC certificate is shown for pinning',
    );
  });

  let app: App;
  let port: number;
  let redirectPort: number;
  let config: Config;

  test('HTTPS with TLS 1.2 at least and HSTS; plain HTTP is redirected to the public URL', async () => {
    const dataDir = tempDir();
    redirectPort = await freePort();
    config = configFor(dataDir, { httpRedirectPort: redirectPort });
    await runInit(config, { out: () => undefined });
    app = await createApp(config, { logger: false, env: {} });
    const running = await serve(app, config);
    cleanups.push(() => running.stop());
    port = (app.server.server.address() as AddressInfo).port;
    const ca = readFileSync(generatedCertificate(config).certFile);
    const page = await httpsGet(port, '/', ca);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve(socket));
        socket.on('error', reject);
      }),
      'TLS 1.1 is refused',
    );
    const redirected = await new Promise<{ status?: number; location?: string }>((resolve, reject) =>
      httpGet({ host: '127.0.0.1', port: redirectPort, path: '/reset?username=x', headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode, location: response.headers.location });
      }).on('error', reject),
    );
    assert.equal(redirected.status, 301);
    assert.equal(redirected.location, 'https://passwords.latchkey.test/reset?username=x');
  });

  test('a replaced certificate is served without a restart (SIGHUP)', async () => {
    const before = (await httpsGet(port, '/healthz', readFileSync(generatedCertificate(config).certFile))).fingerprint;
    await runInit(config, { force: true, out: () => undefined });
    process.emit('SIGHUP');
    const after = await httpsGet(port, '/healthz', readFileSync(generatedCertificate(config).certFile));
    assert.equal(after.status, 200);
    assert.notEqual(after.fingerprint, before);
  });

  test('a certificate replaced on disk is picked up by itself', async () => {
    const before = (await httpsGet(port, '/healthz', readFileSync(generatedCertificate(config).certFile))).fingerprint;
    await runInit(config, { force: true, out: () => undefined });
    const ca = readFileSync(generatedCertificate(config).certFile);
    let seen = before;
    for (let i = 0; i < 50 && seen === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = (await httpsGet(port, '/healthz', ca).catch(() => ({ fingerprint: before }))).fingerprint;
    }
    assert.notEqual(seen, before, 'the new certificate is served within seconds');
  });

  test('a password-protected PFX is served', async () => {
    const dataDir = tempDir();
    const plain = configFor(dataDir);
    await runInit(plain, { out: () => undefined });
    const { certFile, keyFile } = generatedCertificate(plain);
    const pfxFile = join(dataDir, 'web.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-in', certFile, '-inkey', keyFile, '-out', pfxFile, '-passout', 'pass:pfx-secret-42']);
    const withPfx = configFor(tempDir(), { tls: { pfxFile, pfxPassword: 'pfx-secret-42' } });
    const app = await createApp(withPfx, { logger: false, env: {} });
    const running = await serve(app, withPfx);
    cleanups.push(() => running.stop());
    const page = await httpsGet((app.server.server.address() as AddressInfo).port, '/healthz', readFileSync(certFile));
    assert.equal(page.status, 200);
    const wrong = configFor(tempDir(), { tls: { pfxFile, pfxPassword: 'not-it' } });
    await assert.rejects(createApp(wrong, { logger: false, env: {} }), /mac verify failure|pfx|PKCS12|password/i);
  });

  test('plain HTTP is refused unless a TLS-terminating proxy is declared, and then it is logged', async () => {
    const plain = configFor(tempDir());
    const refused = await createApp(plain, { logger: false, env: {} });
    cleanups.push(() => refused.close());
    await rejectsWithCode(serve(refused, plain), 'LK_TLS_REQUIRED');
    const proxied = configFor(tempDir(), { behindTlsProxy: true });
    const lines: string[] = [];
    const behind = await createApp(proxied, { logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } }, env: {} });
    const running = await serve(behind, proxied);
    cleanups.push(() => running.stop());
    assert.ok(lines.some((line) => /serving plain HTTP/.test(line)));
  });

  test('the uniform delay switched off is said once at start, not again at every first step', async () => {
    const config = configFor(tempDir(), { behindTlsProxy: true, trustedProxies: ['127.0.0.1'] });
    const lines: string[] = [];
    const app = await createApp(config, { logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } }, env: {} });
    const running = await serve(app, config);
    cleanups.push(() => running.stop());
    assert.equal(lines.filter((line) => /responseDelayMs is 0–0/.test(line)).length, 1);
    const client = webClient(app.server);
    for (const name of ['nobody-1', 'nobody-2']) {
      await client.get('/reset');
      assert.equal((await client.submit('/reset', { username: name, domain: '' })).status, 200);
    }
    assert.equal(lines.filter((line) => /responseDelayMs/.test(line)).length, 1);
  });
});

describe('certificate health', () => {
  test('a web certificate about to expire is audited and mailed to the admins by the daily job', async () => {
    const { startOutbox } = await import('../notify/outbox.ts');
    const outbox = await startOutbox();
    cleanups.push(() => outbox.close());
    const config = configFor(
      tempDir(),
      {},
      {
        smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'latchkey@latchkey.test' },
        notifications: { adminEmails: ['it-team@latchkey.test'] },
      },
    );
    await makeSelfSigned(config, ['portal.latchkey.test'], ['127.0.0.1'], 10);
    const app = await createApp(config, { logger: false, env: {} });
    cleanups.push(() => app.close());
    const attention = await app.jobs.checkCertificates();
    assert.deepEqual(
      attention.map((status) => [status.name, status.state]),
      [['web', 'warn']],
    );
    const mail = await outbox.waitFor((message) => message.to.includes('it-team@latchkey.test'));
    assert.match(mail.text, /web: (9|10) days left/);
    assert.ok((await app.store.audit.query({ action: 'certificate-check' })).some((entry) => /web: (9|10) days left/.test(entry.detail ?? '')));
    assert.deepEqual(await app.jobs.checkCertificates(), [], 'once a day');
  });
});

describe('operations endpoints', () => {
  test('/healthz and /readyz; /readyz says when the directory is down, and why only to the metrics addresses', async () => {
    const healthy = await createApp(configFor(tempDir()), { logger: false, env: {} });
    cleanups.push(() => healthy.close());
    assert.equal((await healthy.server.inject({ url: '/healthz' })).statusCode, 200);
    const ready = await healthy.server.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json().checks, { database: 'ok', directory: 'ok' });
    const down = await createApp(configFor(tempDir(), {}, { directory: { ...devDirectorySettings(facts), urls: [`ldaps://127.0.0.1:${await freePort()}`] } }), {
      logger: false,
      env: {},
    });
    cleanups.push(() => down.close());
    const notReady = await down.server.inject({ url: '/readyz' });
    assert.equal(notReady.statusCode, 503);
    assert.equal(notReady.json().checks.database, 'ok');
    assert.match(notReady.json().checks.directory, /cannot be reached/);
    // From outside metricsAllowFrom (a forwarded address does not count): the status only, not
    // the directory's servers or the error.
    for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }]) {
      const stranger = await down.server.inject({ url: '/readyz', remoteAddress: '10.1.2.3', headers });
      assert.equal(stranger.statusCode, 503);
      assert.equal(stranger.body, '{"status":"not ready"}');
    }
    assert.equal((await healthy.server.inject({ url: '/readyz', remoteAddress: '10.1.2.3' })).body, '{"status":"ready"}');
  });

  test('/metrics counts requests, flow events and directory operations, and only for allowed addresses', async () => {
    const app = await createApp(configFor(tempDir(), { trustedProxies: ['127.0.0.1'] }), { logger: false, env: {} });
    cleanups.push(() => app.close());
    const page = await app.server.inject({ url: '/reset' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    await app.server.inject({
      method: 'POST',
      url: '/reset',
      headers: { cookie: String(page.headers['set-cookie']).split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${facts.users.staff[0]}&domain=&_csrf=${encodeURIComponent(csrf)}`,
    });
    const metrics = await app.server.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /latchkey_http_requests_total\{route="\/reset",method="POST",status="303"\} 1/);
    assert.match(metrics.body, /latchkey_events_total\{category="self-service",action="reset-requested",outcome="refused"\} 1/);
    assert.match(metrics.body, /latchkey_directory_operation_seconds_count\{operation="look up the user",outcome="ok"\} [1-9]/);
    assert.match(metrics.body, /latchkey_certificate_days_left\{certificate="127\.0\.0\.1:636"\} \d+/);
    assert.match(metrics.body, /latchkey_process_resident_memory_bytes/);
    assert.equal((await app.server.inject({ url: '/metrics', remoteAddress: '10.1.2.3' })).statusCode, 403);
    const viaProxy = await app.server.inject({ url: '/metrics', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': '127.0.0.1' } });
    assert.equal(viaProxy.statusCode, 403, 'a forwarded address does not open the metrics');
  });

  test('a graceful stop lets a request in flight finish', async () => {
    const config = configFor(tempDir(), { behindTlsProxy: true }, { protection: { responseDelayMs: { min: 600, max: 600 } } });
    const app = await createApp(config, { logger: false, env: {} });
    const running = await serve(app, config);
    const port = (app.server.server.address() as AddressInfo).port;
    const { answer: inFlight } = await resetInFlight(`http://127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await running.stop();
    assert.equal((await inFlight).status, 303, 'the request begun before the stop was answered');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'no new connections');
  });
});
