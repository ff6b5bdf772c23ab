/**
 * `latchkey backup` and `latchkey restore`: one password-encrypted file that holds
 * everything a portal needs to start again elsewhere — the database, the master key that opens
 * its secrets (keys travel with the database), the web certificate and key,
 * and the non-secret start-up settings for reference. A restore goes onto an empty data folder
 * and an empty database, of either kind: SQLite to PostgreSQL is the way to move to a real
 * database server.
 *
 * The file (see src/backup/): a 73-byte header (signature, format version, scrypt parameters,
 * salt, nonce, password check, checksum), then the gzip'd JSON-lines records sealed in 1 MiB
 * AES-256-GCM parts bound to the header. Both ways are streamed: memory holds one part and one
 * batch of rows, whatever the database's size; a SQLite backup needs the database's size in
 * free disk beside the backup file for its snapshot.
 *
 * A restore reads the file twice: once to authenticate all of it and check it (the password,
 * every part, the records, that the secrets open with the key), then, only if all is well,
 * to load it. Nothing is written before the first reading ends, and what the second writes
 * appears at the end or not at all.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type BackupFile, openBackupFile, writeBackupFile } from '../backup/backup-file.ts';
import { databaseOptions, dataFilePath, existing, readDataFiles, StagedFiles, sqliteFiles } from '../backup/data-files.ts';
import { BackupFileError, BackupPasswordWeak, BackupTooNew, RestoreKeyMismatch, RestoreNotEmpty } from '../backup/errors.ts';
import { checkSecrets, keyFromText, readMasterKey } from '../backup/keys.ts';
import { loadDatabase, unknownMigrations } from '../backup/load.ts';
import type { BackupRecord, FileRecord, Manifest } from '../backup/records.ts';
import { type Snapshot, withSnapshot } from '../backup/snapshot.ts';
import { openTarget } from '../backup/target.ts';
import { masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { holdsAll, type KeyRing, keyFileText } from '../settings/key-ring.ts';
import { loadMasterKey } from '../settings/master-key.ts';

/** What backup and restore are given: the file, the admin's password, the environment (LATCHKEY_MASTER_KEY). */
export interface BackupOptions {
  file: string;
  password: string;
  env?: NodeJS.ProcessEnv;
}

/** The shortest password a new backup accepts: the file holds the master key. */
export const MIN_PASSWORD_LENGTH = 12;
/** Rows per record: a batch is what either side holds in memory. */
const ROWS_PER_RECORD = 500;

/**
 * Backs up the portal of `config` to `options.file` (replaced only once the new file is
 * complete). Returns the file's size and the rows per table.
 */
export async function runBackup(config: Config, options: BackupOptions): Promise<{ bytes: number; tables: Record<string, number> }> {
  if ([...options.password].length < MIN_PASSWORD_LENGTH) throw BackupPasswordWeak({ minimum: MIN_PASSWORD_LENGTH });
  const key = readMasterKey(config, options.env ?? process.env);
  const files = await readDataFiles(config.dataDir);
  const file = resolve(options.file);
  const workDir = await mkdtemp(join(dirname(file), '.latchkey-backup-')).catch((error: NodeJS.ErrnoException) => {
    throw BackupFileError({ file, reason: `its folder is not writable (${error.code ?? error.message})` }, { cause: error });
  });
  try {
    return await withSnapshot(databaseOptions(config), workDir, async (snapshot) => {
      const tables: Record<string, number> = {};
      const bytes = await writeBackupFile(file, options.password, backupRecords({ snapshot, config, key, files, tables }));
      return { bytes, tables };
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The records of a backup, in their order; `tables` is filled with the row counts as they go. */
async function* backupRecords(parts: {
  snapshot: Snapshot;
  config: Config;
  key: KeyRing;
  files: FileRecord[];
  tables: Record<string, number>;
}): AsyncGenerator<BackupRecord> {
  const { snapshot, config, key, files, tables } = parts;
  yield {
    type: 'manifest',
    createdAt: new Date().toISOString(),
    source: { dialect: snapshot.dialect, database: snapshot.label },
    migrations: snapshot.migrations,
    tables: snapshot.tables,
    sequences: snapshot.sequences,
    config: nonSecretConfig(config),
  };
  yield { type: 'master-key', text: keyFileText(key) };
  yield* files;
  for (const table of snapshot.tables) {
    tables[table.name] = 0;
    for await (const rows of snapshot.rows(table, ROWS_PER_RECORD)) {
      checkSecrets(key, table, rows);
      tables[table.name]! += rows.length;
      yield { type: 'rows', table: table.name, rows };
    }
  }
  yield { type: 'end', tables: { ...tables } };
}

/** Setting names that hold secrets (server.tls.pfxPassword and any added later): left out of a backup's config. */
const SECRET_SETTING = /password|secret|token/i;

/**
 * The start-up settings a backup records for reference: server, ui and admin, without any
 * secret among them. The database section (its URL may hold a password) never goes in.
 */
export function nonSecretConfig(config: Config): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !SECRET_SETTING.test(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  return strip({ server: config.server, ui: config.ui, admin: config.admin }) as Record<string, unknown>;
}

/** What a backup holds, as checked by reading all of it. */
export interface BackupSummary {
  manifest: Manifest;
  /** The master keys' public fingerprints (as the settings show them), oldest first, joined by "+". */
  keyId: string;
  /** The data folder's files it carries (tls/cert.pem, tls/key.pem). */
  files: string[];
  tables: Record<string, number>;
}

/** Reads and authenticates all of `file` without restoring anything: what `restore` checks first. */
export async function verifyBackup(file: string, password: string): Promise<BackupSummary> {
  const { manifest, key, files, tables } = await readContents(await openBackupFile(resolve(file), password));
  return { manifest, keyId: key.id, files: files.map((record) => record.path), tables };
}

interface Contents {
  manifest: Manifest;
  key: KeyRing;
  files: FileRecord[];
  tables: Record<string, number>;
}

/** The first reading: everything but the rows kept, the rows' secrets checked against the key. */
async function readContents(backup: BackupFile): Promise<Contents> {
  const contents: Partial<Contents> = { files: [] };
  for await (const record of backup.records()) {
    if (record.type === 'manifest') {
      const unknown = unknownMigrations(record.migrations);
      if (unknown.length) throw BackupTooNew({ file: backup.file, unknown });
      contents.manifest = record;
    } else if (record.type === 'master-key') {
      contents.key = keyFromText(record.text);
    } else if (record.type === 'file') {
      contents.files!.push(record);
    } else if (record.type === 'rows') {
      checkSecrets(contents.key!, contents.manifest!.tables.find((table) => table.name === record.table)!, record.rows);
    } else {
      contents.tables = record.tables;
    }
  }
  // The record decoder has checked that each of these came, in order, exactly once.
  return contents as Contents;
}

/**
 * Restores `options.file` onto the data folder and database of `config`, both of which must be
 * empty; with LATCHKEY_MASTER_KEY set it must be the backup's key, and no key file is written.
 * Returns the rows per table.
 */
export async function runRestore(config: Config, options: BackupOptions): Promise<{ tables: Record<string, number> }> {
  const env = options.env ?? process.env;
  const keyFile = masterKeyFile(config);
  const refuseExisting = (files: string[]) => {
    const found = existing(files);
    if (found.length) throw RestoreNotEmpty({ target: `the data folder ${resolve(config.dataDir)}`, found });
  };
  // The cheap check first: a wrong folder is named before a large file is read.
  refuseExisting([...sqliteFiles(config.dataDir), keyFile]);
  const backup = await openBackupFile(resolve(options.file), options.password);
  const contents = await readContents(backup);
  const envKey = env.LATCHKEY_MASTER_KEY ? loadMasterKey(keyFile, { env }).ring : null;
  if (envKey && !holdsAll(envKey, contents.key)) throw RestoreKeyMismatch({ backupKeyId: contents.key.id });
  refuseExisting(contents.files.map((record) => dataFilePath(config.dataDir, record)));

  const target = await openTarget(config, contents.manifest);
  const staged = new StagedFiles();
  let finished = false;
  try {
    if (!envKey) await staged.add(keyFile, keyFileText(contents.key), 0o600);
    for (const record of contents.files) await staged.add(dataFilePath(config.dataDir, record), Buffer.from(record.data, 'base64'), record.mode);
    const tables = await loadDatabase(target.connection, contents.manifest, backup.records());
    await target.finish();
    finished = true;
    await staged.commit();
    return { tables };
  } catch (error) {
    await staged.abort();
    if (!finished) await target.discard();
    throw error;
  }
}
