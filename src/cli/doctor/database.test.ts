/**
 * The doctor and the database, on SQLite and PostgreSQL: a database a migration behind is
 * reported, with the command that applies the migration, and left as it was; the connection the
 * doctor reads through cannot write at all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { listTables } from '../../backup/catalog.ts';
import { loadConfig } from '../../config/load.ts';
import { databaseOptions } from '../../config/paths.ts';
import type { Config } from '../../config/schema.ts';
import { connectDatabase, openDatabase } from '../../store/database.ts';
import { MIGRATIONS, type StoreMigration } from '../../store/migrations/index.ts';
import type { DatabaseDialect } from '../../store/schema.ts';
import { createScratchDatabase, type ScratchDatabase, TEST_DIALECTS } from '../../testing/databases.ts';
import { devDomain } from '../../testing/dev-domain.ts';
import { devDirectorySettings } from '../demo.ts';
import { runDoctor } from '../doctor.ts';
import { exists, openExistingDatabase } from '../existing-database.ts';

/** A migration this test's Latchkey has and the database has not: it would add a table. */
const NEXT = '9999-doctor-test';
const NEWER: Readonly<Record<string, StoreMigration>> = {
  ...MIGRATIONS,
  [NEXT]: { up: (db) => db.schema.createTable('doctor_test').addColumn('id', 'integer').execute() },
};

const folders: string[] = [];
const scratches: ScratchDatabase[] = [];

after(async () => {
  for (const scratch of scratches) await scratch.drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A config on a fresh database of `dialect`, migrated as `latchkey serve` migrates it. */
async function migratedConfig(dialect: DatabaseDialect): Promise<Config> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-doctor-db-'));
  folders.push(dataDir);
  let url: string | undefined;
  if (dialect === 'postgres') {
    const scratch = await createScratchDatabase('postgres');
    scratches.push(scratch);
    url = scratch.options.databaseUrl;
  }
  const config = loadConfig({
    env: {},
    base: { dataDir, ...(url ? { database: { url } } : {}), server: { behindTlsProxy: true }, directory: devDirectorySettings(devDomain()) },
  });
  const options = databaseOptions(config);
  await (await openDatabase(url ? { databaseUrl: url } : { sqliteFile: options.sqliteFile })).close();
  return config;
}

/** What the database holds, read on a connection of the test's own: its tables and its applied migrations. */
async function contents(config: Config, dialect: DatabaseDialect): Promise<{ tables: string[]; applied: string[] }> {
  const { db } = connectDatabase(databaseOptions(config));
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return { tables: await listTables(db, dialect), applied: rows.map((row) => row.name) };
  } finally {
    await db.destroy();
  }
}

for (const dialect of TEST_DIALECTS) {
  describe(`a database a migration behind [${dialect}]`, () => {
    test('the doctor says which migration is pending and what applies it, and leaves it unapplied', async () => {
      const config = await migratedConfig(dialect);
      const before = await contents(config, dialect);
      assert.deepEqual(before.applied, Object.keys(MIGRATIONS));

      const lines: string[] = [];
      await runDoctor(config, { env: {}, out: (line) => lines.push(line), migrations: NEWER });
      const at = lines.findIndex((line) => line.startsWith('WARN  database    '));
      assert.ok(at >= 0, lines.join('\n'));
      assert.match(lines[at]!, new RegExp(`reachable; 1 migration\\(s\\) pending \\(${NEXT}\\)$`));
      assert.ok(lines.includes('      fix: run `latchkey serve`: it applies them as it starts, before anything else uses the database'), lines.join('\n'));
      assert.ok(!lines.some((line) => line.includes('schema migrated to the latest version')), lines.join('\n'));

      assert.deepEqual(await contents(config, dialect), before, 'no migration applied, no table added');
      assert.ok(!before.tables.includes('doctor_test'));
    });

    test('the connection the doctor reads through refuses every write, a migration included', async () => {
      const config = await migratedConfig(dialect);
      const database = await openExistingDatabase(config, { migrations: NEWER });
      assert.ok(exists(database));
      try {
        assert.deepEqual(database.pending, [NEXT]);
        const rows = await database.settingRows();
        await assert.rejects(
          sql`insert into settings (key, value, secret, updated_at, updated_by) values ('doctor:test', '1', 0, 0, 'doctor')`.execute(database.db),
          /read-?only/i,
        );
        await assert.rejects(NEWER[NEXT]!.up(database.db, dialect), /read-?only/i);
        assert.deepEqual(await database.settingRows(), rows, 'nothing was written');
      } finally {
        await database.close();
      }
      assert.ok(!(await contents(config, dialect)).tables.includes('doctor_test'));
    });
  });
}
