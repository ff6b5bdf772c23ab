/**
 * `latchkey serve` as an operator meets it: the CLI in a child process with a config file, real
 * signals, and the JSON log lines it writes. SIGHUP reloads and never stops the portal (behind a
 * TLS proxy as well as serving HTTPS); SIGTERM lets the request in flight finish; start-up,
 * reload and stop say what an operator needs, and no secret.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generatedCertificate, makeSelfSigned } from '../certificates/self-signed.ts';
import { loadConfig } from '../config/load.ts';
import { keyRing, masterKey } from '../settings/key-ring.ts';
import { writeKeyFile } from '../settings/master-key.ts';
import { createScratchDatabase, type ScratchDatabase } from '../testing/databases.ts';
import { devDomain } from '../testing/dev-domain.ts';
import { httpsGet, resetInFlight } from '../testing/https.ts';
import { freePort } from '../testing/ports.ts';
import { type LogLine, runServe, type ServeProcess } from '../testing/serve-process.ts';
import { devDirectorySettings } from './demo.ts';
import { runInit } from './init.ts';

const facts = devDomain();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-serve-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A first-start configuration file's content against the dev domain. */
function configFile(dataDir: string, server: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dataDir, server: { host: '127.0.0.1', ...server }, directory: devDirectorySettings(facts), ...extra };
}

function started(portal: ServeProcess): Promise<LogLine> {
  cleanups.push(() => portal.child.exitCode === null && portal.child.kill('SIGKILL'));
  return portal.waitForLog((line) => line.msg === 'Latchkey is serving');
}

const reloadedOn = (signal: string) => (line: LogLine) => line.msg === 'reloaded' && line.why === signal;

describe('serve behind a TLS proxy (the docs/nginx.conf arrangement)', () => {
  const key = randomBytes(32);
  const password = `pw-${randomBytes(6).toString('hex')}`;
  let database: ScratchDatabase;
  let databaseUrl: URL;
  let port: number;
  let portal: ServeProcess;

  before(async () => {
    database = await createScratchDatabase('postgres');
    cleanups.push(() => database.drop());
    databaseUrl = new URL(database.options.databaseUrl!);
    // The loopback server trusts the connection; the password is there to be kept out of the logs.
    databaseUrl.password = password;
    port = await freePort();
  });

  test('start-up logs the listen address, the database without its password, the master key by fingerprint, the DCs', async () => {
    const dataDir = tempDir();
    const config = configFile(
      dataDir,
      { port, behindTlsProxy: true, trustedProxies: ['127.0.0.1'], publicUrl: 'https://passwords.latchkey.test' },
      {
        protection: { responseDelayMs: { min: 600, max: 600 } },
      },
    );
    writeKeyFile(join(dataDir, 'master.key'), keyRing([masterKey(key)]));
    portal = runServe(join(dataDir, 'latchkey.yaml'), config, { DATABASE_URL: databaseUrl.href });
    const startUp = await started(portal);
    assert.deepEqual(startUp.listen, [`http://127.0.0.1:${port}`]);
    assert.equal(startUp.httpRedirect, null);
    assert.match(String(startUp.tls), /terminated by the proxy in front/);
    assert.deepEqual(startUp.database, { kind: 'postgresql', host: '127.0.0.1', port: 5432, database: databaseUrl.pathname.slice(1), user: 'postgres' });
    assert.equal(startUp.masterKeyId, createHash('sha256').update(key).digest('hex').slice(0, 12));
    assert.deepEqual(startUp.directory, [facts.url]);
    for (const secret of [password, key.toString('hex'), key.toString('base64'), facts.serviceAccount.password]) {
      assert.ok(!portal.output().includes(secret), 'no secret in the output');
    }
  });

  test('SIGHUP reloads the settings, is logged, and the portal keeps answering', async () => {
    portal.child.kill('SIGHUP');
    const reload = await portal.waitForLog(reloadedOn('SIGHUP'));
    assert.deepEqual(reload.reloaded, { settings: 'unchanged' });
    assert.match(String(reload.notReloaded), /restart for these/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    assert.equal(portal.child.exitCode, null);
  });

  test('SIGTERM lets the request in flight finish, logs the stop and ends with 0', async () => {
    const { answer } = await resetInFlight(`http://127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    portal.child.kill('SIGTERM');
    assert.equal((await answer).status, 303, 'the request begun before the stop was answered');
    const stopping = await portal.waitForLog((line) => line.msg?.startsWith('stopping') === true);
    assert.equal(stopping.signal, 'SIGTERM');
    assert.equal(stopping.inFlight, 1);
    const stopped = await portal.waitForLog((line) => line.msg?.startsWith('stopped') === true);
    assert.equal(stopped.requestsFinished, 1);
    assert.deepEqual(await portal.exited, { code: 0, signal: null });
  });
});

describe('serve over HTTPS with the certificate from latchkey init', () => {
  let dataDir: string;
  let port: number;
  let portal: ServeProcess;
  const ca = () => readFileSync(generatedCertificate(loadConfig({ env: {}, base: { dataDir } })).certFile);

  test('start-up logs the HTTPS address, the redirect port, the TLS profile and the SQLite file', async () => {
    dataDir = tempDir();
    port = await freePort();
    const redirectPort = await freePort();
    const config = configFile(dataDir, { port, httpRedirectPort: redirectPort, publicUrl: 'https://passwords.latchkey.test' });
    await runInit(loadConfig({ env: {}, base: config }), { out: () => undefined });
    portal = runServe(join(dataDir, 'latchkey.yaml'), config);
    const startUp = await started(portal);
    assert.deepEqual(startUp.listen, [`https://127.0.0.1:${port}`]);
    assert.equal(startUp.httpRedirect, `http://127.0.0.1:${redirectPort}`);
    assert.deepEqual(startUp.tls, { profile: 'intermediate', certificate: join(dataDir, 'tls', 'cert.pem') });
    assert.deepEqual(startUp.database, { kind: 'sqlite', file: join(dataDir, 'latchkey.sqlite') });
    assert.match(String(startUp.masterKeyId), /^[0-9a-f]{12}$/);
    assert.ok(!portal.output().includes(readFileSync(join(dataDir, 'master.key'), 'utf8').trim()), 'the master key is not logged');
  });

  test('SIGHUP swaps in a replaced certificate, and /metrics shows its days at once', async () => {
    const before = await httpsGet(port, '/metrics', ca());
    assert.match(before.body, /latchkey_certificate_days_left\{certificate="web"\} 82[45]/);
    await makeSelfSigned(loadConfig({ env: {}, base: { dataDir } }), ['passwords.latchkey.test'], ['127.0.0.1'], 10);
    portal.child.kill('SIGHUP');
    const reload = await portal.waitForLog(reloadedOn('SIGHUP'));
    assert.deepEqual(reload.reloaded, { webCertificate: 'reloaded', settings: 'unchanged' });
    const after = await httpsGet(port, '/metrics', ca());
    assert.notEqual(after.fingerprint, before.fingerprint, 'the new certificate is served');
    assert.match(after.body, /latchkey_certificate_days_left\{certificate="web"\} (9|10)\n/);
    assert.equal(portal.child.exitCode, null);
    portal.child.kill('SIGTERM');
    assert.deepEqual(await portal.exited, { code: 0, signal: null });
  });
});

test('a port already in use stops the start with LK_LISTEN_FAILED and what to do, without a stack trace', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => holder.close());
  const { port } = holder.address() as { port: number };
  const dataDir = tempDir();
  const portal = runServe(join(dataDir, 'latchkey.yaml'), configFile(dataDir, { port, behindTlsProxy: true }));
  assert.equal((await portal.exited).code, 1);
  assert.match(portal.output(), /cannot listen on 127\.0\.0\.1:\d+ \(server\.host, server\.port\): another process holds that port.*\[LK_LISTEN_FAILED\]/);
  assert.doesNotMatch(portal.output(), /\s+at \S+:\d+:\d+/, 'no stack trace');
});
