/** The doctor's first look: the configuration, and the database it names (found, not created or migrated). */
import { databaseOptions } from '../../config/paths.ts';
import type { Config } from '../../config/schema.ts';
import { connectDatabase } from '../../store/database.ts';
import { type DatabaseLocation, type ExistingDatabase, exists } from '../existing-database.ts';
import { type CheckResult, result } from './report.ts';

/** The config was validated when loaded: says which data folder and database it points at. */
export async function configCheck(config: Config): Promise<CheckResult> {
  const connection = connectDatabase(databaseOptions(config));
  // Only the label (no password in it) is wanted; both dialects connect lazily, so nothing was opened.
  await connection.db.destroy();
  const kind = connection.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
  return result('PASS', 'config', `valid; data folder ${config.dataDir}; database ${kind} ${connection.label}`);
}

/** Whether the database exists and has this Latchkey's schema; nothing is created or migrated (pending migrations are a warning). */
export function databaseCheck(database: ExistingDatabase | DatabaseLocation): CheckResult {
  const kind = database.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
  if (!exists(database)) {
    return result('WARN', 'database', `no Latchkey database at ${database.label} yet`, [
      "the first `latchkey serve` creates it; the doctor creates nothing, and checks the rest with the config file's settings",
      "fix: if the portal has run before, check dataDir and DATABASE_URL (relative paths are taken from the config file's folder)",
    ]);
  }
  if (database.unknown.length) {
    return result('FAIL', 'database', `${kind} ${database.label} was updated by a newer Latchkey (migrations ${database.unknown.join(', ')})`, [
      'fix: run the Latchkey version that updated it, or restore a backup made by this one',
    ]);
  }
  if (database.pending.length) {
    return result('WARN', 'database', `${kind} ${database.label} reachable; ${database.pending.length} migration(s) pending (${database.pending.join(', ')})`, [
      'the doctor changes nothing, so it has not applied them',
      'fix: run `latchkey serve`: it applies them as it starts, before anything else uses the database',
    ]);
  }
  return result('PASS', 'database', `${kind} ${database.label} reachable, schema migrated to the latest version`);
}
