/**
 * The config file's database-kept settings are imported once, at the first start. Met as an
 * administrator meets it, through the CLI in child processes: the directory password is required
 * only then; afterwards every command runs without it, reads the DCs from the database, and a
 * setting changed in the file is named at start-up and by the doctor (a secret without its value).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, scratchFolder, startServe, writeConfig } from '../testing/cli.ts';
import { devDomain } from '../testing/dev-domain.ts';

const facts = devDomain();
const site = scratchFolder();
const proxied = { server: { behindTlsProxy: true } };
// Without directory.bindPassword, as the file is once the first start has imported it.
const config = writeConfig(join(site.dir, 'latchkey.yaml'), proxied);
const cleanups: Array<() => void> = [site.remove];
after(() => cleanups.forEach((cleanup) => cleanup()));

const latchkey = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--config', config], { env, cwd: site.dir });

before(async () => {
  // The first start, with the password where the README puts it.
  const running = await startServe(['--config', config], { env: { LATCHKEY_DIRECTORY__BIND_PASSWORD: facts.serviceAccount.password }, cwd: site.dir });
  await running.stop();
});

test('before the first start, serve names the missing directory password and why it is needed', async () => {
  const fresh = scratchFolder();
  cleanups.push(fresh.remove);
  const run = await runCli(['serve', '--config', writeConfig(join(fresh.dir, 'latchkey.yaml'), proxied)], { cwd: fresh.dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /directory\.bindPassword: is required \(the first start imports the directory section into the database\)/);
  assert.match(run.stderr, /LK_CONFIG_INVALID/);
});

test('after the first start, check-config, init, doctor, backup, restore and rotate-master-key run without the directory password', async () => {
  const backupFile = join(site.dir, 'site.backup');
  const restored = scratchFolder();
  cleanups.push(restored.remove);
  const runs = {
    'check-config': await latchkey(['check-config']),
    init: await latchkey(['init']),
    doctor: await latchkey(['doctor']),
    backup: await latchkey(['backup', '--file', backupFile], { LATCHKEY_BACKUP_PASSWORD: 'correct horse battery' }),
    restore: await runCli(['restore', '--file', backupFile, '--config', writeConfig(join(restored.dir, 'latchkey.yaml'), proxied)], {
      env: { LATCHKEY_BACKUP_PASSWORD: 'correct horse battery' },
      cwd: restored.dir,
    }),
    'rotate-master-key': await latchkey(['rotate-master-key']),
  };
  for (const [command, run] of Object.entries(runs)) {
    assert.equal(run.code, 0, `${command}: ${run.stdout}${run.stderr}`);
    assert.doesNotMatch(run.stdout + run.stderr, /bindPassword/, command);
  }
  assert.match(runs['check-config'].stdout, /The database holds the settings/);
});

test('init shows the DCs the database holds, not the ones the file lists since', async () => {
  const moved = writeConfig(config, { ...proxied, directory: { urls: ['ldaps://127.0.0.1:1'] } });
  const run = await runCli(['init', '--config', moved], { cwd: site.dir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Domain controllers \(from the database .*latchkey\.sqlite; the admin console edits them\)/);
  assert.match(run.stdout, /Domain controller ldaps:\/\/127\.0\.0\.1:636:/);
  assert.doesNotMatch(run.stdout, /127\.0\.0\.1:1\b/);
  writeConfig(config, proxied);
});

test('settings changed in the file after the first start are named by the start-up log and the doctor; a secret without its value', async () => {
  const changed = writeConfig(config, { ...proxied, codes: { lifetimeMinutes: 20 } });
  const secret = `not-the-stored-${randomBytes(4).toString('hex')}`;
  const env = { LATCHKEY_DIRECTORY__BIND_PASSWORD: secret };
  const running = await startServe(['--config', changed], { env, cwd: site.dir });
  const log = running.log();
  await running.stop();
  assert.match(log, /the config file sets these settings differently from the database; the database's are in force/);
  assert.match(log, /codes\.lifetimeMinutes: file: 20; database: 10/);
  assert.match(log, /directory\.bindPassword: a secret: the values differ \(not shown\)/);
  assert.ok(!log.includes(secret) && !log.includes(facts.serviceAccount.password), 'no password in the log');
  const doctor = await runCli(['doctor', '--config', changed], { env, cwd: site.dir });
  assert.match(doctor.stdout, /WARN {2}settings +read from the database; 2 setting\(s\) in the config file differ and are ignored/);
  assert.match(doctor.stdout, /codes\.lifetimeMinutes: file: 20; database: 10/);
  assert.match(doctor.stdout, /directory\.bindPassword: a secret: the values differ \(not shown\)/);
  assert.ok(!doctor.stdout.includes(secret) && !doctor.stdout.includes(facts.serviceAccount.password), 'no password in the report');
  assert.equal(doctor.code, 0, 'a warning, not a failure');
});
