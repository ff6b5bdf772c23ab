/** Where a configuration keeps its data: the database, the master key's file and the breached-password index. */
import { join } from 'node:path';
import type { Config } from './schema.ts';

/** Where `config`'s data lives: its PostgreSQL, or the SQLite file in the data folder. */
export function databaseOptions(config: Config): { databaseUrl?: string; sqliteFile: string } {
  return { ...(config.database.url ? { databaseUrl: config.database.url } : {}), sqliteFile: join(config.dataDir, 'latchkey.sqlite') };
}

/** The master key's file for `config`. */
export function masterKeyFile(config: Config): string {
  return config.masterKeyFile ?? join(config.dataDir, 'master.key');
}

/** The breached-password index for `config` (a downloadable artifact, not backed up). */
export function breachedIndexFile(config: Config): string {
  return config.breachedIndexFile ?? join(config.dataDir, 'breached-passwords.idx');
}
