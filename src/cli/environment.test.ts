/**
 * The environment variables the README and docs/latchkey.service name, each given to the
 * commands that read it, as an administrator would: the CLI in a child process, a config file,
 * the dev domain. The master key comes only from LATCHKEY_MASTER_KEY here (no key file is ever
 * written), and the backup password only from LATCHKEY_BACKUP_PASSWORD.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, startServe, writeConfig } from '../testing/cli.ts';
import { createScratchDatabase, type ScratchDatabase } from '../testing/databases.ts';
import { devDomain } from '../testing/dev-domain.ts';

const facts = devDomain();
const site = scratchFolder();
const config = writeConfig(join(site.dir, 'latchkey.yaml'), { server: { behindTlsProxy: true }, dataDir: 'data' });
const masterKey = randomBytes(32).toString('hex');
const env = { LATCHKEY_CONFIG: config, LATCHKEY_MASTER_KEY: masterKey };
const backupFile = join(site.dir, 'latchkey.backup');
const cleanups: Array<() => unknown> = [site.remove];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The CLI with the site's environment and `extra`, run from the site's folder. */
const latchkey = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env, ...extra }, cwd: site.dir });

test('serve: the first start takes the config from LATCHKEY_CONFIG, the password from LATCHKEY_DIRECTORY__BIND_PASSWORD and the key from LATCHKEY_MASTER_KEY', async () => {
  const running = await startServe([], { env: { ...env, LATCHKEY_DIRECTORY__BIND_PASSWORD: facts.serviceAccount.password }, cwd: site.dir });
  try {
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
  } finally {
    await running.stop();
  }
  assert.ok(existsSync(join(site.dir, 'data', 'latchkey.sqlite')));
  assert.ok(!existsSync(join(site.dir, 'data', 'master.key')), 'the key came from the environment: no key file');
});

test('check-config accepts LATCHKEY_MASTER_KEY and LATCHKEY_BACKUP_PASSWORD, which are not settings', async () => {
  const run = await latchkey(['check-config'], { LATCHKEY_BACKUP_PASSWORD: 'correct horse battery' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /The configuration is valid/);
});

test("check-config before a first start: the secrets the README puts in the environment complete the file's sections", async () => {
  const fresh = scratchFolder();
  cleanups.push(fresh.remove);
  const file = writeConfig(join(fresh.dir, 'latchkey.yaml'), { sms: { provider: 'twilio', accountSid: `AC${'0'.repeat(32)}`, from: '+15550000000' } });
  const secrets = { LATCHKEY_DIRECTORY__BIND_PASSWORD: facts.serviceAccount.password, LATCHKEY_SMS__AUTH_TOKEN: 'token', LATCHKEY_MASTER_KEY: masterKey };
  const run = await runCli(['check-config', '--config', file], { env: secrets, cwd: fresh.dir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /the first start imports the file's/);
});

test('a LATCHKEY_ variable that is neither a setting nor one of those is still refused (a typo)', async () => {
  const run = await latchkey(['check-config'], { LATCHKEY_MASTERKEY: masterKey });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /LATCHKEY_MASTERKEY: no setting masterkey exists/);
  assert.match(run.stderr, /LK_CONFIG_INVALID/);
});

test('doctor decrypts the secrets with LATCHKEY_MASTER_KEY', async () => {
  const run = await latchkey(['doctor']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /PASS {2}master-key {2}LATCHKEY_MASTER_KEY \(key [0-9a-f]+\) decrypts all \d+ stored secrets/);
});

test('init shows the DCs with LATCHKEY_MASTER_KEY set', async () => {
  const run = await latchkey(['init']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Domain controller ldaps:\/\/127\.0\.0\.1:636:/);
});

test('backup takes its password from LATCHKEY_BACKUP_PASSWORD and the key from LATCHKEY_MASTER_KEY', async () => {
  const run = await latchkey(['backup', '--file', backupFile], { LATCHKEY_BACKUP_PASSWORD: 'correct horse battery' });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Backed up \d+ rows/);
  assert.ok(existsSync(backupFile));
});

test('restore into PostgreSQL with DATABASE_URL, LATCHKEY_BACKUP_PASSWORD and LATCHKEY_MASTER_KEY, then doctor there', async () => {
  const target = scratchFolder();
  cleanups.push(target.remove);
  const database: ScratchDatabase = await createScratchDatabase('postgres');
  cleanups.push(() => database.drop());
  const moved = {
    LATCHKEY_CONFIG: writeConfig(join(target.dir, 'latchkey.yaml'), { server: { behindTlsProxy: true } }),
    DATABASE_URL: database.options.databaseUrl!,
  };
  const run = await runCli(['restore', '--file', backupFile], {
    env: { ...env, ...moved, LATCHKEY_BACKUP_PASSWORD: 'correct horse battery' },
    cwd: target.dir,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Restored \d+ rows into PostgreSQL/);
  assert.deepEqual(readdirSync(target.dir), ['latchkey.yaml'], 'the key stays in the environment; the data in PostgreSQL');
  const doctor = await runCli(['doctor'], { env: { ...env, ...moved }, cwd: target.dir });
  assert.match(doctor.stdout, /PASS {2}database +PostgreSQL postgres:\/\/127\.0\.0\.1:5432\/latchkey_test_\w+ reachable/);
  assert.match(doctor.stdout, /PASS {2}master-key {2}LATCHKEY_MASTER_KEY/);
  assert.equal(doctor.code, 0, doctor.stdout);
});

test('rotate-master-key adds a new key and prints the ring, the old key coming from LATCHKEY_MASTER_KEY; --retire then re-encrypts', async () => {
  const run = await latchkey(['rotate-master-key']);
  assert.equal(run.code, 0, run.stderr);
  const printed = /Set LATCHKEY_MASTER_KEY to this value[^\n]*\n(\S+)\n/.exec(run.stdout)?.[1];
  assert.ok(printed, run.stdout);
  const doctor = await runCli(['doctor'], { env: { ...env, LATCHKEY_MASTER_KEY: printed }, cwd: site.dir });
  assert.match(doctor.stdout, /PASS {2}master-key/);
  const retired = await runCli(['rotate-master-key', '--retire'], { env: { ...env, LATCHKEY_MASTER_KEY: printed }, cwd: site.dir });
  assert.equal(retired.code, 0, retired.stderr + retired.stdout);
});
