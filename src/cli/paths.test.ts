/**
 * Paths and precedence an administrator can predict, met as the CLI meets them: relative paths
 * (the default data folder included) follow the config file, not the working directory; a
 * setting beats a file (behindTlsProxy over the certificate `init` made); and the read-only
 * commands create nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, startServe, writeConfig } from '../testing/cli.ts';
import { devDomain } from '../testing/dev-domain.ts';

const facts = devDomain();
const folders: Array<{ remove(): void }> = [];
after(() => folders.forEach((folder) => folder.remove()));

/** A site: /etc-like folder with the config file, and an unrelated working directory. */
function site(extra: Record<string, unknown> = {}) {
  const folder = scratchFolder();
  folders.push(folder);
  const etc = join(folder.dir, 'etc');
  const elsewhere = join(folder.dir, 'elsewhere');
  mkdirSync(etc);
  mkdirSync(elsewhere);
  return { etc, elsewhere, config: writeConfig(join(etc, 'latchkey.yaml'), extra) };
}

const password = { LATCHKEY_DIRECTORY__BIND_PASSWORD: facts.serviceAccount.password };

test('the default data folder is beside the config file, whatever the working directory; the doctor run from elsewhere finds that database', async () => {
  const { etc, elsewhere, config } = site({ server: { behindTlsProxy: true } });
  const running = await startServe(['--config', config], { env: password, cwd: elsewhere });
  await running.stop();
  assert.ok(existsSync(join(etc, 'data', 'latchkey.sqlite')), 'the first start put the database beside the config file');
  assert.deepEqual(readdirSync(elsewhere), [], 'and nothing in the working directory');
  const doctor = await runCli(['doctor', '--config', config], { cwd: elsewhere });
  assert.match(doctor.stdout, new RegExp(`PASS {2}database +SQLite ${join(etc, 'data', 'latchkey.sqlite')} reachable`));
  assert.match(doctor.stdout, /PASS {2}settings +read from the database/);
  assert.deepEqual(readdirSync(elsewhere), [], 'the doctor made no second database');
  assert.equal(doctor.code, 0, doctor.stdout);
});

test('without a config file, a relative data folder is taken from the working directory, and check-config says where it is', async () => {
  const { elsewhere } = site();
  const run = await runCli(['check-config'], { env: { LATCHKEY_DATA_DIR: 'state', LATCHKEY_SERVER__BEHIND_TLS_PROXY: 'true' }, cwd: elsewhere });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`Data folder: ${join(elsewhere, 'state')}\\.`));
});

test('the doctor against a folder without a database creates no file and says plainly that there is none yet', async () => {
  const { etc, elsewhere, config } = site({ server: { behindTlsProxy: true } });
  const doctor = await runCli(['doctor', '--config', config], { env: password, cwd: elsewhere });
  assert.match(doctor.stdout, new RegExp(`WARN {2}database +no Latchkey database at ${join(etc, 'data', 'latchkey.sqlite')} yet`));
  assert.match(doctor.stdout, /the first `latchkey serve` creates it; the doctor creates nothing/);
  assert.match(doctor.stdout, /PASS {2}settings +read from the config file/);
  assert.deepEqual(readdirSync(etc), ['latchkey.yaml'], 'no data folder, no database, no key');
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.equal(doctor.code, 0, doctor.stdout);
});

test('behindTlsProxy wins over the certificate `init` made: plain HTTP, and the start-up log names the unused certificate', async () => {
  const { etc, elsewhere, config } = site();
  const init = await runCli(['init', '--config', config], { cwd: elsewhere });
  assert.equal(init.code, 0, init.stderr);
  assert.ok(existsSync(join(etc, 'data', 'tls', 'cert.pem')));
  const proxied = writeConfig(config, { server: { behindTlsProxy: true } });
  const running = await startServe(['--config', proxied], { env: password, cwd: elsewhere });
  try {
    assert.match(running.url, /^http:\/\//);
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200, 'the proxy gets an answer in plain HTTP');
    assert.match(running.log(), /server\.behindTlsProxy wins over the certificate `latchkey init` made: it is not used/);
    assert.ok(running.log().includes(join(etc, 'data', 'tls', 'cert.pem')));
  } finally {
    await running.stop();
  }
  const again = await runCli(['init', '--config', proxied], { cwd: elsewhere });
  assert.match(again.stdout, /server\.behindTlsProxy is set: the proxy in front serves HTTPS, so no web certificate is made/);
});

test('server.tls together with behindTlsProxy is refused before anything starts', async () => {
  const { config, elsewhere } = site({ server: { behindTlsProxy: true, tls: { certFile: 'cert.pem', keyFile: 'key.pem' } } });
  const run = await runCli(['check-config', '--config', config], { env: password, cwd: elsewhere });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /server\.behindTlsProxy: cannot be true together with server\.tls/);
  assert.match(run.stderr, /LK_CONFIG_INVALID/);
});
