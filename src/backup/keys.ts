/**
 * The master key travels with the database (seeds 000 and 003): a backup without it would
 * restore secrets nobody can read. These helpers read the key as configured, check that it
 * opens the secrets it travels with, and compare it with a key set on the restoring side,
 * all through the master-key module so that the key's text format is known in one place.
 */
import { readFileSync } from 'node:fs';
import { masterKeyFile } from '../app.ts';
import type { Config } from '../config/schema.ts';
import { loadMasterKey, type MasterKey } from '../settings/master-key.ts';
import type { Row, TableShape } from './records.ts';

/** The table and columns where the settings keep secrets (the settings store's layout). */
const SETTINGS = { table: 'settings', key: 'key', value: 'value', secret: 'secret' } as const;

/** The configured master key, and its text as the key file or LATCHKEY_MASTER_KEY gives it. */
export function readMasterKey(config: Config, env: NodeJS.ProcessEnv): { key: MasterKey; text: string } {
  const file = masterKeyFile(config);
  // Decoded first: LK_MASTER_KEY_INVALID names the problem (missing file, wrong length).
  const key = loadMasterKey(file, { env });
  return { key, text: (env.LATCHKEY_MASTER_KEY || readFileSync(file, 'utf8')).trim() };
}

/** The master key of `text` (a backup's record): decoded exactly as LATCHKEY_MASTER_KEY would be. */
export function keyFromText(text: string): MasterKey {
  return loadMasterKey('(the backup)', { env: { LATCHKEY_MASTER_KEY: text } });
}

/** Whether `a` and `b` are the same key: one's ciphertext opens with the other (ids alone are short). */
export function sameKey(a: MasterKey, b: MasterKey): boolean {
  try {
    return b.decrypt('latchkey-backup-probe', a.encrypt('latchkey-backup-probe', 'probe')) === 'probe';
  } catch {
    return false;
  }
}

/**
 * Checks that every secret among `rows` of `table` decrypts with `key`; other tables pass.
 * Throws the settings' own LK_MASTER_KEY_MISMATCH or LK_SECRET_CORRUPT, so that a backup made
 * with the wrong key is refused when it is made, not discovered when it is needed.
 */
export function checkSecrets(key: MasterKey, table: TableShape, rows: readonly Row[]): void {
  if (table.name !== SETTINGS.table) return;
  const [name, value, secret] = [SETTINGS.key, SETTINGS.value, SETTINGS.secret].map((column) => table.columns.indexOf(column)) as [number, number, number];
  for (const row of rows) {
    // The settings store keeps each value as JSON text; a secret's is the JSON of its ciphertext.
    if (row[secret] === 1) key.decrypt(String(row[name]), JSON.parse(String(row[value])) as string);
  }
}
