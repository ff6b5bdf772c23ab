/**
 * The data folder's side of a backup: where the SQLite database, the master key and the web
 * certificate live, which of them a restore would overwrite, and writing the restored ones so
 * that they all appear at the end or not at all (each under a temporary name first).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { DatabaseOptions } from '../store/database.ts';
import type { FileRecord } from './records.ts';

/** The web certificate and key under the data folder, carried when present; the key is owner-only. */
const TLS_FILES: ReadonlyArray<{ path: string; mode: number }> = [
  { path: 'tls/cert.pem', mode: 0o644 },
  { path: 'tls/key.pem', mode: 0o600 },
];

/** The SQLite database in `dataDir` (as the app opens it) and the files SQLite keeps beside it. */
export function sqliteFiles(dataDir: string): string[] {
  const file = join(dataDir, 'latchkey.sqlite');
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/** The database `config` names, as the app opens it: PostgreSQL when set, else the SQLite file. */
export function databaseOptions(config: Config): DatabaseOptions {
  return { databaseUrl: config.database.url, sqliteFile: sqliteFiles(config.dataDir)[0]! };
}

/** The data folder's TLS files that exist, as backup records. */
export async function readDataFiles(dataDir: string): Promise<FileRecord[]> {
  const records: FileRecord[] = [];
  for (const { path, mode } of TLS_FILES) {
    const file = join(dataDir, path);
    if (existsSync(file)) records.push({ type: 'file', path, mode, data: (await readFile(file)).toString('base64') });
  }
  return records;
}

/** Which of `files` exist already (what a restore refuses to overwrite). */
export function existing(files: readonly string[]): string[] {
  return files.filter((file) => existsSync(file));
}

/** Where a file record of a backup goes in `dataDir` (its path was checked to stay inside). */
export function dataFilePath(dataDir: string, record: Pick<FileRecord, 'path'>): string {
  return resolve(dataDir, record.path);
}

/**
 * Files written under temporary names beside their final ones; commit() renames them all,
 * abort() removes them. A restore that fails leaves none of its files behind.
 */
export class StagedFiles {
  private readonly staged: Array<{ temporary: string; final: string }> = [];

  /** Writes `content` to a temporary name beside `final`, readable only as `mode` allows. */
  async add(final: string, content: string | Buffer, mode: number): Promise<void> {
    // Folders that will hold a key are owner-only, as the master-key module makes them.
    await mkdir(dirname(final), { recursive: true, mode: 0o700 });
    const temporary = `${final}.${process.pid}.restoring`;
    this.staged.push({ temporary, final });
    await writeFile(temporary, content, { mode, flag: 'wx' });
    // The umask may have narrowed the mode on creation; chmod makes it exact.
    await chmod(temporary, mode);
  }

  /** Puts every file in place. */
  async commit(): Promise<void> {
    for (const { temporary, final } of this.staged) await rename(temporary, final);
    this.staged.length = 0;
  }

  /** Removes every file not yet committed. */
  async abort(): Promise<void> {
    for (const { temporary } of this.staged.splice(0)) await rm(temporary, { force: true });
  }
}
