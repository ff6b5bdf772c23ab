/**
 * Backup and restore end to end, on real databases and the dev domain. A portal on one database
 * is given an enrollment (argon2 answer hashes), audit events, a throttle counter and an admin's
 * preference; its backup is restored onto an empty folder and an empty database of the same or
 * the other kind, and a portal started there must work as the first did: the answers verify, the
 * service account's password decrypts and binds, the audit is the same row for row, the
 * preference is there, and a new event gets an id never used before. Then every way a restore must be refused, each leaving the target as it was.
 */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { createApp } from '../app.ts';
import { HEADER_BYTES } from '../backup/envelope.ts';
import { certificateFiles, readTlsOptions } from '../certificates/serving.ts';
import { masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { parseKeyRing } from '../settings/key-ring.ts';
import { connectDatabase } from '../store/database.ts';
import { MIGRATIONS } from '../store/migrations/index.ts';
import { rejectsWithCode } from '../testing/assertions.ts';
import {
  assertNoSecret,
  assertRestored,
  configFor,
  facts,
  folder,
  PASSKEY,
  PASSWORD,
  PREFERENCE,
  pgTables,
  postgres,
  type Seeded,
  seed,
  timed,
} from '../testing/backup-fixture.ts';
import { nonSecretConfig, runBackup, runRestore, verifyBackup } from './backup.ts';
import { retireMasterKey, rotateMasterKey } from './rotate.ts';

describe('backup and restore', () => {
  test('SQLite → PostgreSQL: the move to a database server', async (t) => {
    const seeded = await seed(configFor(folder('source')));
    const file = join(folder('files'), 'latchkey.lkbackup');
    const [made, backupMs] = await timed(runBackup(seeded.config, { file, password: PASSWORD, env: {} }));
    assert.equal(made.bytes, statSync(file).size);
    assert.deepEqual(
      {
        audit: made.tables.audit_events,
        enrollments: made.tables.enrollments,
        answers: made.tables.enrollment_answers,
        throttle: made.tables.throttle_counters,
        preferences: made.tables.preferences,
        passkeys: made.tables.passkeys,
      },
      { audit: seeded.audit.length, enrollments: 1, answers: 2, throttle: 1, preferences: 1, passkeys: 1 },
    );
    // The key itself, as its file holds it (after its id).
    const key = parseKeyRing(readFileSync(masterKeyFile(seeded.config), 'utf8'), 'key file').keys[0]!.entry.split(':')[1]!;
    assertNoSecret(readFileSync(file), [facts.serviceAccount.password, key, Buffer.from(key, 'base64')]);

    const target = configFor(join(folder('target'), 'data'), await postgres());
    const [restored, restoreMs] = await timed(runRestore(target, { file, password: PASSWORD, env: {} }));
    assert.deepEqual(restored.tables, made.tables);
    assert.deepEqual(readdirSync(target.dataDir), ['master.key'], 'no SQLite file: the data is in PostgreSQL');
    await assertRestored(target, seeded);
    t.diagnostic(`backup ${backupMs} ms (${made.bytes} bytes), restore ${restoreMs} ms`);
  });

  test('SQLite → SQLite in another folder, with the web certificate and key', async (t) => {
    const source = configFor(folder('source'));
    // A real pair (the portal serves HTTPS with what it finds there): the dev domain controller's.
    mkdirSync(join(source.dataDir, 'tls'));
    copyFileSync(join(dirname(facts.caFile), 'dc.pem'), join(source.dataDir, 'tls', 'cert.pem'));
    copyFileSync(join(dirname(facts.caFile), 'dc.key'), join(source.dataDir, 'tls', 'key.pem'));
    const seeded = await seed(source);
    const file = join(folder('files'), 'latchkey.lkbackup');
    const [made, backupMs] = await timed(runBackup(source, { file, password: PASSWORD, env: {} }));
    const tlsKeyLines = readFileSync(join(source.dataDir, 'tls', 'key.pem'), 'utf8')
      .split('\n')
      .filter((line) => line.length > 40);
    assertNoSecret(readFileSync(file), [facts.serviceAccount.password, ...tlsKeyLines]);

    const target = configFor(join(folder('target'), 'data'));
    const [restored, restoreMs] = await timed(runRestore(target, { file, password: PASSWORD, env: {} }));
    assert.deepEqual(restored.tables, made.tables);
    for (const name of ['cert.pem', 'key.pem'])
      assert.ok(readFileSync(join(target.dataDir, 'tls', name)).equals(readFileSync(join(source.dataDir, 'tls', name))), name);
    assert.equal(statSync(join(target.dataDir, 'tls', 'key.pem')).mode & 0o777, 0o600);
    const served = (config: Config) => new X509Certificate(readTlsOptions(certificateFiles(config)!, 'intermediate').cert as Buffer).fingerprint256;
    assert.equal(served(target), served(source), 'the restored portal serves the same web certificate');
    await assertRestored(target, seeded);
    t.diagnostic(`backup ${backupMs} ms, restore ${restoreMs} ms`);
  });

  test('PostgreSQL → SQLite, and what the manifest records', async (t) => {
    const sourceUrl = await postgres();
    const seeded = await seed(configFor(folder('source'), sourceUrl));
    const file = join(folder('files'), 'latchkey.lkbackup');
    const [made, backupMs] = await timed(runBackup(seeded.config, { file, password: PASSWORD, env: {} }));
    assertNoSecret(readFileSync(file), [facts.serviceAccount.password]);

    const summary = await verifyBackup(file, PASSWORD);
    assert.equal(summary.manifest.source.dialect, 'postgres');
    assert.equal(summary.manifest.source.database, `postgres://127.0.0.1:5432${new URL(sourceUrl).pathname}`, 'named without user or password');
    assert.deepEqual(summary.manifest.migrations, Object.keys(MIGRATIONS));
    assert.deepEqual(Object.keys(summary.manifest.config), ['server', 'ui', 'admin'], 'the non-secret start-up settings, not the database URL');
    assert.deepEqual(summary.manifest.config.ui, seeded.config.ui);
    // A secret among those settings (a PFX password) stays out; the file's path goes in.
    const withPfx = nonSecretConfig({
      ...seeded.config,
      server: { ...seeded.config.server, tls: { pfxFile: '/etc/latchkey/web.pfx', pfxPassword: 'pfx-secret' } },
    } as Config);
    assert.deepEqual((withPfx.server as Config['server']).tls, { pfxFile: '/etc/latchkey/web.pfx' });
    assert.deepEqual(summary.tables, made.tables);

    const target = configFor(join(folder('target'), 'data'));
    const [, restoreMs] = await timed(runRestore(target, { file, password: PASSWORD, env: {} }));
    await assertRestored(target, seeded);
    t.diagnostic(`backup ${backupMs} ms, restore ${restoreMs} ms`);
  });

  test('with LATCHKEY_MASTER_KEY: the backup carries it; a restore refuses another key and writes no key file for the right one', async () => {
    const keyText = randomBytes(32).toString('base64');
    const env = { LATCHKEY_MASTER_KEY: keyText };
    const source = configFor(folder('source'));
    await (await createApp(source, { logger: false, env })).close();
    const file = join(folder('files'), 'latchkey.lkbackup');
    await runBackup(source, { file, password: PASSWORD, env });
    assertNoSecret(readFileSync(file), [keyText, Buffer.from(keyText, 'base64')]);

    const target = configFor(join(folder('target'), 'data'));
    await rejectsWithCode(
      runRestore(target, { file, password: PASSWORD, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex') } }),
      'LK_RESTORE_KEY_MISMATCH',
    );
    assert.ok(!existsSync(target.dataDir));
    await runRestore(target, { file, password: PASSWORD, env });
    assert.deepEqual(readdirSync(target.dataDir), ['latchkey.sqlite']);
    const app = await createApp(target, { logger: false, env });
    try {
      assert.ok(await app.directory.findUser(facts.users.staff[0]!));
    } finally {
      await app.close();
    }
    // Without the variable, the key file a restore writes is that same key.
    const other = configFor(join(folder('target'), 'data'));
    await runRestore(other, { file, password: PASSWORD, env: {} });
    const entries = (text: string) => parseKeyRing(text, 'key').keys.map((key) => key.entry);
    assert.deepEqual(entries(readFileSync(masterKeyFile(other), 'utf8')), entries(keyText));
  });

  test('a backup made during a key rotation carries the whole ring: the restored portal works and can finish the rotation', async () => {
    const seeded = await seed(configFor(folder('source')));
    const staged = await rotateMasterKey(seeded.config, {});
    const app = await createApp(seeded.config, { logger: false, env: {} });
    const server = (await app.runtime.settings.serverSecret()).toString('base64');
    await app.close();
    const file = join(folder('files'), 'latchkey.lkbackup');
    await runBackup(seeded.config, { file, password: PASSWORD, env: {} });
    assert.equal((await verifyBackup(file, PASSWORD)).keyId, parseKeyRing(readFileSync(masterKeyFile(seeded.config), 'utf8'), 'key file').id);
    assert.match((await verifyBackup(file, PASSWORD)).keyId, new RegExp(`\\+${staged.keyId}$`));

    const target = configFor(join(folder('target'), 'data'));
    await runRestore(target, { file, password: PASSWORD, env: {} });
    assert.equal(readFileSync(masterKeyFile(target), 'utf8'), readFileSync(masterKeyFile(seeded.config), 'utf8'), 'both keys travelled');
    const opens = async (when: string) => {
      const restored = await createApp(target, { logger: false, env: {} });
      try {
        assert.ok(await restored.directory.findUser(facts.users.staff[0]!), `the service account binds ${when}`);
        assert.equal((await restored.runtime.settings.serverSecret()).toString('base64'), server, `the server secret is the same ${when}`);
      } finally {
        await restored.close();
      }
    };
    await opens('after the restore');
    assert.equal((await retireMasterKey(target, {})).keyId, staged.keyId, 'the rotation is finished on the restored portal');
    await opens('after the rotation');
  });

  test('a backup from before the preferences and factor tables restores, its column choices move out of the settings, and the factor tables come', async () => {
    const source = configFor(folder('source'));
    await (await createApp(source, { logger: false, env: {} })).close();
    // The database as the previous schema step left it: column choices kept among the settings.
    const old = connectDatabase({ sqliteFile: join(source.dataDir, 'latchkey.sqlite') }).db;
    try {
      for (const table of [
        'preferences',
        'totp_secrets',
        'totp_used_steps',
        'recovery_codes',
        'passkeys',
        'expiry_reminders',
        'expiry_reminder_runs',
        'campaign_invitations',
        'coverage_history',
      ])
        await sql`drop table ${sql.table(table)}`.execute(old);
      await sql`drop index audit_events_repeat_key`.execute(old);
      for (const column of ['actor_name', 'target_name', 'times', 'repeat_key'])
        await sql`alter table audit_events drop column ${sql.ref(column)}`.execute(old);
      await sql`delete from kysely_migration where name in (${'0002-preferences'}, ${'0003-factors'}, ${'0004-passkeys'}, ${'0005-audit-names'}, ${'0006-expiry-reminders'}, ${'0007-campaigns'}, ${'0008-audit-counted-refusals'})`.execute(
        old,
      );
      await old
        .insertInto('settings')
        .values({ key: `prefs:audit:${PREFERENCE.owner}`, value: JSON.stringify(PREFERENCE.value), updated_at: 1 })
        .execute();
    } finally {
      await old.destroy();
    }
    const file = join(folder('files'), 'latchkey.lkbackup');
    await runBackup(source, { file, password: PASSWORD, env: {} });
    assert.deepEqual((await verifyBackup(file, PASSWORD)).manifest.migrations, ['0001-initial']);

    const target = configFor(join(folder('target'), 'data'), await postgres());
    await runRestore(target, { file, password: PASSWORD, env: {} });
    const app = await createApp(target, { logger: false, env: {} });
    try {
      assert.deepEqual(await app.store.preferences.get(PREFERENCE.owner, 'audit-columns'), PREFERENCE.value);
      assert.ok(!(await app.store.settings.all()).some((setting) => setting.key.startsWith('prefs:')), 'the settings keep only settings');
      assert.equal(await app.store.passkeys.add(PASSKEY), true, 'the passkeys table was made by the restore');
      assert.equal(await app.store.recoveryCodes.left(PREFERENCE.owner), 0, 'the factor tables exist, empty');
      assert.ok(await app.directory.findUser(facts.users.staff[0]!), 'the restored portal works');
    } finally {
      await app.close();
    }
  });

  test('a backup refuses a short password, and a master key that does not open the secrets', async () => {
    const source = configFor(folder('source'));
    await (await createApp(source, { logger: false, env: {} })).close();
    const files = folder('files');
    await rejectsWithCode(runBackup(source, { file: join(files, 'a'), password: 'short', env: {} }), 'LK_BACKUP_PASSWORD_WEAK');
    await rejectsWithCode(
      runBackup(source, { file: join(files, 'b'), password: PASSWORD, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex') } }),
      'LK_MASTER_KEY_MISMATCH',
    );
    await rejectsWithCode(runBackup(configFor(folder('empty')), { file: join(files, 'c'), password: PASSWORD, env: {} }), 'LK_MASTER_KEY_INVALID');
    await rejectsWithCode(
      runBackup(configFor(folder('empty'), await postgres()), {
        file: join(files, 'd'),
        password: PASSWORD,
        env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex') },
      }),
      'LK_BACKUP_NO_DATABASE',
    );
    assert.deepEqual(readdirSync(files), [], 'no backup file, no leftovers');
  });
});

describe('a restore refuses, and changes nothing', () => {
  let seeded: Seeded;
  let file: string;
  let bytes: Buffer;
  before(async () => {
    seeded = await seed(configFor(folder('source')));
    file = join(folder('files'), 'latchkey.lkbackup');
    await runBackup(seeded.config, { file, password: PASSWORD, env: {} });
    bytes = readFileSync(file);
  });

  /** Restores `data` (written to a file) onto a new folder, and onto `databaseUrl` when given; expects `codes`, and an untouched target. */
  async function refused(data: Buffer, codes: string[], databaseUrl?: string): Promise<void> {
    const altered = join(folder('altered'), 'altered.lkbackup');
    writeFileSync(altered, data);
    const target = configFor(join(folder('target'), 'data'), databaseUrl);
    const error = await runRestore(target, { file: altered, password: PASSWORD, env: {} }).then(
      () => assert.fail(`restored although ${codes.join(' or ')} was expected`),
      (reason: unknown) => reason as { code?: string; message: string },
    );
    assert.ok(codes.includes(error.code ?? ''), `${codes.join(' or ')}, not ${error.code}: ${error.message}`);
    assert.match(error.message, /Nothing was changed/);
    assert.ok(!existsSync(target.dataDir), 'the data folder was not even created');
    if (databaseUrl) assert.deepEqual(await pgTables(databaseUrl), [], 'the database has no table');
  }

  test('a wrong password', async () => {
    const target = configFor(join(folder('target'), 'data'), await postgres());
    await rejectsWithCode(runRestore(target, { file, password: `${PASSWORD}.`, env: {} }), 'LK_BACKUP_PASSWORD');
    assert.ok(!existsSync(target.dataDir));
    assert.deepEqual(await pgTables(target.database.url!), []);
  });

  test('a flipped byte in the header, in the first part, in the middle or at the very end', async () => {
    const positions = [
      ...Array.from({ length: HEADER_BYTES }, (_, at) => at),
      HEADER_BYTES,
      HEADER_BYTES + 3,
      HEADER_BYTES + 5,
      Math.floor(bytes.length / 2),
      bytes.length - 17,
      bytes.length - 1,
    ];
    for (const at of positions) {
      const altered = Buffer.from(bytes);
      altered[at]! ^= 0x04;
      await refused(altered, at < 8 ? ['LK_BACKUP_FORMAT'] : ['LK_BACKUP_DAMAGED']);
    }
    // The last byte once more onto PostgreSQL: everything is checked before a schema is created.
    const altered = Buffer.from(bytes);
    altered[bytes.length - 1]! ^= 0x04;
    await refused(altered, ['LK_BACKUP_DAMAGED'], await postgres());
  });

  test('a truncated file', async () => {
    for (const length of [40, HEADER_BYTES, HEADER_BYTES + 10, Math.floor(bytes.length / 2), bytes.length - 1])
      await refused(bytes.subarray(0, length), ['LK_BACKUP_DAMAGED']);
    await refused(Buffer.alloc(0), ['LK_BACKUP_FORMAT']);
  });

  test('a file of another format', async () => {
    await refused(gzipSync('{"type":"manifest"}\n'), ['LK_BACKUP_FORMAT']);
    await refused(readFileSync(join(seeded.config.dataDir, 'latchkey.sqlite')), ['LK_BACKUP_FORMAT']);
  });

  test('a data folder that holds a master key or a database', async () => {
    const withKey = configFor(folder('target'));
    writeFileSync(masterKeyFile(withKey), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const keyBefore = readFileSync(masterKeyFile(withKey));
    const error = await rejectsWithCode(runRestore(withKey, { file, password: PASSWORD, env: {} }), 'LK_RESTORE_NOT_EMPTY');
    assert.match(error.message, /master\.key/);
    assert.deepEqual(readdirSync(withKey.dataDir), ['master.key']);
    assert.ok(readFileSync(masterKeyFile(withKey)).equals(keyBefore));

    const withDatabase = configFor(folder('target'));
    copyFileSync(join(seeded.config.dataDir, 'latchkey.sqlite'), join(withDatabase.dataDir, 'latchkey.sqlite'));
    const databaseBefore = readFileSync(join(withDatabase.dataDir, 'latchkey.sqlite'));
    await rejectsWithCode(runRestore(withDatabase, { file, password: PASSWORD, env: {} }), 'LK_RESTORE_NOT_EMPTY');
    assert.deepEqual(readdirSync(withDatabase.dataDir), ['latchkey.sqlite']);
    assert.ok(readFileSync(join(withDatabase.dataDir, 'latchkey.sqlite')).equals(databaseBefore));
  });

  test('a PostgreSQL database that holds data', async () => {
    const url = await postgres();
    const other = await createApp(configFor(folder('other'), url), { logger: false, env: {} });
    const eventsBefore = await other.store.audit.query();
    const settingsBefore = await other.store.settings.all();
    try {
      const target = configFor(join(folder('target'), 'data'), url);
      const error = await rejectsWithCode(runRestore(target, { file, password: PASSWORD, env: {} }), 'LK_RESTORE_NOT_EMPTY');
      assert.match(error.message, /rows in table audit_events/);
      assert.ok(!existsSync(target.dataDir));
      assert.deepEqual(await other.store.audit.query(), eventsBefore);
      assert.deepEqual(await other.store.settings.all(), settingsBefore);
    } finally {
      await other.close();
    }
  });
});
