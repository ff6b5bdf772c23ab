/**
 * Secrets at rest, attacked: a database copied without the master key yields no secret (raw
 * SQLite files and PostgreSQL tables scanned), rotation keeps the service working (key file or
 * LATCHKEY_MASTER_KEY; the file keeps its owner and mode), files and databases from before key
 * rings are upgraded in place, and a wrong key stops the start with a clear message instead of
 * running with secrets it cannot read.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { createApp } from '../app.ts';
import { devDirectorySettings } from '../cli/demo.ts';
import { retireMasterKey, rotateMasterKey } from '../cli/rotate.ts';
import { loadConfig } from '../config/load.ts';
import { databaseOptions, masterKeyFile } from '../config/paths.ts';
import { openStore } from '../store/store.ts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { createScratchDatabase, type ScratchDatabase } from '../testing/databases.ts';
import { devDomain } from '../testing/dev-domain.ts';
import { keyFileText, keyRing, parseKeyRing } from './key-ring.ts';

const facts = devDomain();
const SMTP_PASSWORD = `smtp-${randomBytes(8).toString('hex')}`;
const TWILIO_TOKEN = `twilio-${randomBytes(8).toString('hex')}`;
const SECRETS = [facts.serviceAccount.password, SMTP_PASSWORD, TWILIO_TOKEN];
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function configFor(dataDir: string, databaseUrl?: string) {
  return loadConfig({
    env: {},
    base: {
      dataDir,
      ...(databaseUrl ? { database: { url: databaseUrl } } : {}),
      directory: devDirectorySettings(facts),
      smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', user: 'latchkey', password: SMTP_PASSWORD, from: 'x@latchkey.test' },
      sms: { provider: 'twilio', accountSid: `AC${'0'.repeat(32)}`, authToken: TWILIO_TOKEN, from: '+15550000000' },
    },
  });
}

/** A fresh data folder, removed after the tests. */
function scratchDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function assertNoSecret(where: string, bytes: Buffer) {
  for (const secret of SECRETS) {
    for (const encoding of ['utf8', 'utf16le', 'base64'] as const) {
      assert.equal(
        bytes.indexOf(Buffer.from(encoding === 'base64' ? Buffer.from(secret).toString('base64') : secret, encoding === 'base64' ? 'utf8' : encoding)),
        -1,
        `${where} holds a secret (${encoding})`,
      );
    }
  }
}

describe('a stolen database yields no secret', () => {
  test('SQLite: the raw files', async () => {
    const dataDir = scratchDir('latchkey-secrets-');
    const app = await createApp(configFor(dataDir), { logger: false, env: {} });
    assert.equal(app.runtime.settings.current().directory.bindPassword, facts.serviceAccount.password, 'the secrets were imported');
    assert.ok(await app.directory.findUser(facts.users.staff[0]!), 'and the service account binds with the decrypted password');
    await app.close();
    const files = readdirSync(dataDir).filter((file) => file.startsWith('latchkey.sqlite'));
    assert.ok(files.length >= 1);
    for (const file of files) assertNoSecret(file, readFileSync(join(dataDir, file)));
  });

  test('PostgreSQL: every table', async () => {
    const scratch: ScratchDatabase = await createScratchDatabase('postgres');
    cleanups.push(() => scratch.drop());
    const dataDir = scratchDir('latchkey-secrets-');
    const app = await createApp(configFor(dataDir, scratch.options.databaseUrl), { logger: false, env: {} });
    await app.close();
    const client = new pg.Client({ connectionString: scratch.options.databaseUrl });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
      assert.ok(tables.some((t) => t.tablename === 'settings'));
      for (const { tablename } of tables) {
        const { rows } = await client.query(`select * from "${tablename}"`);
        assertNoSecret(`table ${tablename}`, Buffer.from(JSON.stringify(rows)));
      }
    } finally {
      await client.end();
    }
  });
});

describe('the master key', () => {
  test('after rotation the service still binds, with a new key', async () => {
    const config = configFor(scratchDir('latchkey-rotate-'));
    await (await createApp(config, { logger: false, env: {} })).close();
    const file = masterKeyFile(config);
    // Run as root, a rotation must leave the file to the service's user (another uid here).
    const owner = process.getuid?.() === 0 ? { uid: 4242, gid: 4343 } : { uid: process.getuid!(), gid: process.getgid!() };
    chownSync(file, owner.uid, owner.gid);
    chmodSync(file, 0o640);
    const ownerAndMode = () => {
      const stats = statSync(file);
      return { uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o777 };
    };
    const before = readFileSync(file, 'utf8');
    const staged = await rotateMasterKey(config, {});
    assert.deepEqual(ownerAndMode(), { ...owner, mode: 0o640 }, 'the first step keeps owner, group and mode');
    assert.equal(staged.rotated, 0, 'the first step re-encrypts nothing');
    const started = await createApp(config, { logger: false, env: {} });
    try {
      assert.ok(await started.directory.findUser(facts.users.staff[0]!), 'between the steps');
      assert.ok((await started.store.audit.query({ action: 'key-rotation' })).length === 1);
    } finally {
      await started.close();
    }
    const { rotated, keyId } = await retireMasterKey(config, {});
    assert.ok(rotated >= 4, `directory, SMTP, SMS secrets and the server secret: ${rotated}`);
    assert.equal(keyId, staged.keyId);
    assert.notEqual(readFileSync(masterKeyFile(config), 'utf8'), before);
    assert.deepEqual(ownerAndMode(), { ...owner, mode: 0o640 }, 'and so does the second');
    const app = await createApp(config, { logger: false, env: {} });
    try {
      assert.ok(await app.directory.findUser(facts.users.staff[0]!));
      assert.equal((await app.store.audit.query({ action: 'key-rotation' })).length, 2, 'started and finished');
    } finally {
      await app.close();
    }
  });

  test('with LATCHKEY_MASTER_KEY, each step prints the value to set, and no key file is written', async () => {
    const config = configFor(scratchDir('latchkey-rotate-env-'));
    const old = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') };
    await (await createApp(config, { logger: false, env: old })).close();
    const staged = await rotateMasterKey(config, old);
    const both = { LATCHKEY_MASTER_KEY: staged.keyValue! };
    assert.equal(parseKeyRing(both.LATCHKEY_MASTER_KEY, 'printed').keys.length, 2);
    await (await createApp(config, { logger: false, env: old })).close();
    await rejectsWithCode(retireMasterKey(config, old), 'LK_MASTER_KEY_NEXT_KEY_ABSENT');
    const retired = await retireMasterKey(config, both);
    assert.equal(parseKeyRing(retired.keyValue!, 'printed').id, staged.keyId);
    for (const env of [both, { LATCHKEY_MASTER_KEY: retired.keyValue! }]) {
      const app = await createApp(config, { logger: false, env });
      try {
        assert.ok(await app.directory.findUser(facts.users.staff[0]!));
      } finally {
        await app.close();
      }
    }
    assert.ok(!existsSync(masterKeyFile(config)));
  });

  test('a key file and a database from before key rings are upgraded in place at the first start', async () => {
    const config = configFor(scratchDir('latchkey-upgrade-'));
    await (await createApp(config, { logger: false, env: {} })).close();
    const file = masterKeyFile(config);
    const [key] = parseKeyRing(readFileSync(file, 'utf8'), file).keys;
    // As an older Latchkey left them: the bare key in the file, no key state in the database.
    writeFileSync(file, `${key!.entry.split(':')[1]}\n`);
    const store = await openStore(databaseOptions(config));
    await store.settings.remove('master-keys');
    await store.close();
    const app = await createApp(config, { logger: false, env: {} });
    try {
      assert.ok(await app.directory.findUser(facts.users.staff[0]!));
      assert.equal(readFileSync(file, 'utf8'), keyFileText(keyRing([key!])), 'the key file now names its key');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual((await app.store.settings.get('master-keys'))?.value, { active: key!.id, next: null });
    } finally {
      await app.close();
    }
  });

  test('with the wrong key the service refuses to start, saying why', async () => {
    const config = configFor(scratchDir('latchkey-wrongkey-'));
    await (await createApp(config, { logger: false, env: {} })).close();
    writeFileSync(masterKeyFile(config), `${randomBytes(32).toString('base64')}\n`);
    const error = await rejectsWithCode(createApp(config, { logger: false, env: {} }), 'LK_MASTER_KEY_MISMATCH');
    assert.match(error.message, /encrypted with another master key/);
    // A lost key file is not silently replaced by a new one either.
    rmSync(masterKeyFile(config));
    await rejectsWithCode(createApp(config, { logger: false, env: {} }), 'LK_MASTER_KEY_INVALID');
  });
});
